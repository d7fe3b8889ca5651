/**
 * A single-node SLURM cluster on this machine for the submit tests: munge, slurmctld and slurmd
 * with a minimal slurm.conf for this host, started once if `sinfo` does not already answer.
 * Needs root and Debian's slurm-wlm and munge (installed by .ci/run).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';

const STATE = '/var/spool/kitseg-test-slurm';

const ok = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

function idle(): boolean {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' });
  return r.status === 0 && /idle|mix|alloc/.test(r.stdout);
}

export async function startSlurm(): Promise<void> {
  if (idle()) return;
  const host = hostname();
  const conf = [
    'ClusterName=kitseg-test',
    `SlurmctldHost=${host}`,
    'AuthType=auth/munge',
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'ReturnToService=2',
    'SlurmUser=root',
    'SlurmctldPidFile=/run/slurmctld.pid',
    'SlurmdPidFile=/run/slurmd.pid',
    `SlurmdSpoolDir=${STATE}/slurmd`,
    `StateSaveLocation=${STATE}/slurmctld`,
    'SlurmctldLogFile=/var/log/slurm/slurmctld.log',
    'SlurmdLogFile=/var/log/slurm/slurmd.log',
    `NodeName=${host} CPUs=${cpus().length} RealMemory=${Math.floor((totalmem() / 2 ** 20) * 0.8)} State=UNKNOWN`,
    'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
    '',
  ].join('\n');
  // A fresh state of its own: no jobs or cluster name left over from another slurm.conf.
  rmSync(STATE, { recursive: true, force: true });
  for (const d of ['/etc/slurm', `${STATE}/slurmd`, `${STATE}/slurmctld`, '/var/log/slurm', '/run/munge'])
    mkdirSync(d, { recursive: true });
  writeFileSync('/etc/slurm/slurm.conf', conf);
  if (!existsSync('/etc/munge/munge.key')) execFileSync('mungekey', ['--create']);
  execFileSync('chown', ['-R', 'munge:munge', '/etc/munge', '/run/munge']);
  if (!ok('munge', ['-n'])) execFileSync('runuser', ['-u', 'munge', '--', '/usr/sbin/munged']);
  if (!ok('scontrol', ['ping'])) execFileSync('slurmctld');
  execFileSync('slurmd');
  for (let i = 0; i < 60 && !idle(); i++) await new Promise((r) => setTimeout(r, 500));
  if (!idle()) throw new Error('slurmd did not come up (see /var/log/slurm/)');
}

/** Waits until none of `jobs` is queued or running. */
export async function waitForJobs(jobs: readonly string[], timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = spawnSync('squeue', ['-h', '-o', '%i %r', '-j', jobs.join(',')], { encoding: 'utf8' });
    // Finished jobs leave the queue; squeue calls ids it no longer knows invalid.
    if ((r.status === 0 && r.stdout.trim() === '') || /Invalid job id/.test(r.stderr)) return;
    if (/DependencyNeverSatisfied/.test(r.stdout))
      throw new Error(`a job failed, so its dependants never start:\n${r.stdout}`);
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`jobs ${jobs.join(',')} still queued after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 1000));
  }
}

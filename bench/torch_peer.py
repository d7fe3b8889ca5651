"""kitseg bench's PyTorch peer: the reference 3D U-Net of ../shared/bench/unet3d_torch.py (same
layers, same loss, same Adam), timed in one of PyTorch's CPU settings, so that kitseg is compared
with PyTorch's fastest setting on the machine, not only its default.

Variants (--variant): fp32 (NCDHW), fp32-cl (channels_last_3d), bf16 (autocast bfloat16, NCDHW),
bf16-cl (autocast bfloat16 + channels_last_3d). Prints one JSON line.
"""
import argparse, json, time
import torch, torch.nn as nn, torch.nn.functional as F


class Block(nn.Sequential):
    def __init__(s, ci, co):
        super().__init__(nn.Conv3d(ci, co, 3, padding=1), nn.InstanceNorm3d(co, affine=True), nn.LeakyReLU(0.01),
                         nn.Conv3d(co, co, 3, padding=1), nn.InstanceNorm3d(co, affine=True), nn.LeakyReLU(0.01))


class UNet3D(nn.Module):
    def __init__(s, cin=1, classes=3, base=16, levels=4):
        super().__init__()
        ch = [base * 2**i for i in range(levels)]
        s.down = nn.ModuleList([Block(cin if i == 0 else ch[i - 1], ch[i]) for i in range(levels)])
        s.up = nn.ModuleList([nn.ConvTranspose3d(ch[i + 1], ch[i], 2, stride=2) for i in range(levels - 1)])
        s.dec = nn.ModuleList([Block(2 * ch[i], ch[i]) for i in range(levels - 1)])
        s.head = nn.Conv3d(ch[0], classes, 1)

    def forward(s, x):
        skips = []
        for i, b in enumerate(s.down):
            x = b(x)
            if i < len(s.down) - 1:
                skips.append(x)
                x = F.max_pool3d(x, 2)
        for i in reversed(range(len(s.up))):
            x = s.dec[i](torch.cat([skips[i], s.up[i](x)], 1))
        return s.head(x)


def dice_ce(logits, y):
    logits = logits.float()  # the loss in f32, as autocast does for cross-entropy
    ce = F.cross_entropy(logits, y)
    p = logits.softmax(1)
    oh = F.one_hot(y, logits.shape[1]).permute(0, 4, 1, 2, 3).float()
    inter = (p * oh).sum((0, 2, 3, 4))
    den = p.sum((0, 2, 3, 4)) + oh.sum((0, 2, 3, 4))
    return ce + 1 - ((2 * inter + 1e-5) / (den + 1e-5)).mean()


VARIANTS = {"fp32": (False, False), "fp32-cl": (False, True), "bf16": (True, False), "bf16-cl": (True, True)}

ap = argparse.ArgumentParser()
ap.add_argument('--patch', type=int, default=64)
ap.add_argument('--batch', type=int, default=2)
ap.add_argument('--base', type=int, default=16)
ap.add_argument('--steps', type=int, default=5)
ap.add_argument('--threads', type=int, default=2)
ap.add_argument('--variant', choices=sorted(VARIANTS), default='fp32')
a = ap.parse_args()
bf16, cl = VARIANTS[a.variant]
torch.set_num_threads(a.threads)
torch.manual_seed(0)
fmt = torch.channels_last_3d if cl else torch.contiguous_format
m = UNet3D(base=a.base).to(memory_format=fmt)
opt = torch.optim.Adam(m.parameters(), 3e-4)
x = torch.randn(a.batch, 1, a.patch, a.patch, a.patch).to(memory_format=fmt)
y = torch.randint(0, 3, (a.batch, a.patch, a.patch, a.patch))


def forward(inp):
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16):
        return m(inp)


def step():
    opt.zero_grad()
    loss = dice_ce(forward(x), y)
    loss.backward()
    opt.step()
    return loss.item()


step()
t = time.time()
for _ in range(a.steps):
    step()
train_ms = (time.time() - t) / a.steps * 1e3
m.eval()
with torch.no_grad():
    xi = torch.randn(1, 1, a.patch, a.patch, a.patch).to(memory_format=fmt)
    forward(xi)
    t = time.time()
    for _ in range(a.steps):
        forward(xi).float()
    infer_ms = (time.time() - t) / a.steps * 1e3
print(json.dumps({"peer": f"pytorch-{torch.__version__} {a.variant}", "variant": a.variant, "patch": a.patch,
                  "batch": a.batch, "base": a.base, "params": sum(p.numel() for p in m.parameters()),
                  "train_step_ms": round(train_ms, 1), "infer_patch_ms": round(infer_ms, 1)}))

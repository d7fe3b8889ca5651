/** Registers every custom kitseg layer with tfjs; import it before a model loads (Node and browser). */
import './batch-normalization.js';
import './conv3d-bias.js';
import './crop-pad3d.js';
import './instance-normalization.js';
import './resize3d.js';

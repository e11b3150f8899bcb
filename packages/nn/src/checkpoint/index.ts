// `@synaptogen/nn/checkpoint`: the checkpoint format in memory (manifest plus tensors), encoding, decoding,
// validation and restoring a model. Reading and writing checkpoint folders is on `/node`.
import '@synaptogen/neurons';

export {
  CHECKPOINT_FORMAT,
  type CheckpointData,
  CheckpointError,
  type CheckpointManifest,
  type DecodedTensor,
  decodeCheckpoint,
  decodeCheckpointArrays,
  encodeCheckpoint,
  loadModelTensors,
  MANIFEST_FILE,
  manifestDigestText,
  modelTensors,
  restoreModel,
  type TensorEntry,
  validateManifest,
} from './format.js';

// Public surface of the model zoo: build a model from config.json, its forward contract, and
// how adapters name its modules across transformers versions.
export { createModel, architectureOf, SUPPORTED_ARCHITECTURES } from './registry';
export { PretrainedModel, INPUT_NAMES, type InputName, type ModelInputs, type ModelOutput, type TaskKind } from './types';
export { zooNamingFor, ZOO_NAMINGS, type ZooNaming } from './naming';
export { ConfigReader, type RawConfig } from './config';
export { crossEntropy, shiftedCrossEntropy, classificationLoss, IGNORE_INDEX } from './losses';

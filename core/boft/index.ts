// Public API of the BOFT core (PEFT's BOFT, in camelCase; config fields keep PEFT's names).
export { BOFTConfig, parseAdapterConfig, BOFT_DEFAULTS, PEFT_VERSION, type BOFTConfigFields, type BOFTConfigInput, type BiasMode, type ParsedAdapterConfig } from './config';
export { validateLayer, layerGeometry, boftParamCount, validBlockSizes, validBlockNums, isValidPair, type LayerValidation, type AdaptableType, type GeometrySpec, type LayerGeometry } from './geometry';
export { BOFTLayer, BOFTLinear, BOFTConv1D, type RotationPath, type AdapterInit } from './layer';
export { BOFTConv2d, convFilterDim } from './conv';
export { checkTargetModuleExists, matchModules, matchTargets, planInjection, type MatchOptions, type MatchReport, type MatchResult, type TargetPlan } from './inject';
export { BOFTModel, getPeftModel, type BOFTModelOptions, type AdapterInfo, type TrainableSummary, type MergeAndUnloadOptions } from './model';
export { ModulesToSaveWrapper } from './modules-to-save';
export { fromPretrainedParsed, loadAdapterParsed, type LoadAdapterOptions } from './load';
export type { ProgressCallback } from './merge';

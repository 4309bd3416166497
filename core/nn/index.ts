// Public surface of the module system.
export * from './module';
export * from './init';
export * from './functional';
export { dilateFilter, padSpatial, validateConv2d, type Pad4 } from './conv';
export * from './state';
export * from './layers/linear';
export * from './layers/conv';
export * from './layers/containers';
export * from './layers/embedding';
export * from './layers/norm';
export * from './layers/activation';
export * from './attention';

// `@synaptogen/nn/layers`: every layer, the Module base class for writing one, and the conv routing the
// conv layers use (the wasm-simd engine where it is registered, stock kernels otherwise).
import '@synaptogen/neurons';

export { type ForwardContext, Module, type Signal } from '../module.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { conv2dTrainable, filterGradient } from './conv-route.js';
export { Conv2d, type Conv2dOptions } from './conv2d.js';
export { GlobalAvgPool } from './global-pool.js';
export { LeakyIntegrator } from './leaky-integrator.js';
export { Linear, type LinearOptions } from './linear.js';
export { createNode, Neuron, type NeuronSpec, type RegisteredNeuronSpec } from './neuron.js';
export { PreActBlock } from './preact-block.js';
export { Scale } from './scale.js';
export { Sequential } from './sequential.js';
export { AvgPool2d, Dropout, Flatten, GroupAverage, MaxPool2d } from './shape.js';
export { SumPool2d } from './sum-pool.js';
export { Threshold } from './threshold.js';

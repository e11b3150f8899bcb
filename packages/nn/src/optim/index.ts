// `@synaptogen/nn/optim`: the optimizers, the base class and slots for writing one, and the learning-rate
// schedules.
export { Adam, type AdamOptions } from './adam.js';
export { Optimizer, type OptimizerState, type Penalties, Slots } from './optimizer.js';
export { constantLr, type LrSchedule, stepLr } from './schedule.js';
export { SGD, type SGDOptions } from './sgd.js';

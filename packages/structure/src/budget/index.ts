export { type BudgetVerdict, type ConnectivityBudget, isConnectivityBudget } from './contract.js';
export { BudgetedDeepR, type BudgetedDeepROptions } from './deepr.js';
export { type BudgetedMagnitudeOptions, BudgetedMagnitudePruning } from './magnitude.js';
export { type BudgetInput, budgetInput } from './profile.js';

// @notify/provider-sim barrel
export {};

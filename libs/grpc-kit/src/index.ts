// @notify/grpc-kit barrel
export {};

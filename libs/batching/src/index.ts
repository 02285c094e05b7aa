// @notify/batching barrel: natural batching (group commit) of concurrent requests.
export { naturalBatcher, type BatchFunction, type NaturalBatcher, type NaturalBatcherStats, type NaturalBatchOptions } from './natural-batcher';

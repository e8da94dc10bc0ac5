// The capture stage: kernel events -> CaptureEvent.
export * from './types';
export { Sensor, SensorOptionError, type SensorOptions, type SensorCounters, type BatchListener } from './sensor';
export { type CaptureFilter, type FilterSet, FilterError, cgroupIdOf, netnsInodeOf, cgroup2Mount } from './filter';
export { decodeBatch, EVENT_VERSION, HEADER_BYTES } from './decode';
export { ProcessInfoCache, containerIdFromCgroupPath } from './process-info';
export { formatEndpoint } from './addr';
export { captureProbe, type CapturePath, type NativeProgram } from './native-session';

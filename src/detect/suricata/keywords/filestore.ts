// filestore[:...]; asks Suricata to store the file on disk. proctap keeps no file store, and the
// keyword does not change what matches, so it is accepted and has no effect.
import { registerKeyword } from './registry';

registerKeyword({ name: 'filestore', setup() {} });

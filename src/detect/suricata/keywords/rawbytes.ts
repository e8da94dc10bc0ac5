// rawbytes; a Snort telnet-normalisation modifier that Suricata ignores too.
import { registerKeyword } from './registry';

registerKeyword({ name: 'rawbytes', setup() {} });

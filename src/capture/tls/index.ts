// HTTPS plaintext: OpenSSL uprobes, library discovery, per-file/per-pid attachment.
export { TlsManager, type TlsOptions, type TlsAttachMode, type TlsAttachment, type TlsCounters } from './manager';
export { TLS_PROGRAM_PREFIX, type NativeTlsCounters } from './native-probes';
export { systemTlsLibraries, tlsLibrariesOfProcess, tlsExecutableOf, type TlsLibraryFile } from './discover';
export { exportsOpenSsl, elfExports } from './elf-exports';

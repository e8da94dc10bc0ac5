// SPDX-License-Identifier: GPL-2.0
/* proctap's BPF object: one ring buffer, one filter, one event layout (events.h) for every probe.
 * Each probe family lives in its own header and names its programs with a common prefix; the
 * loader (native/src/capture_loader.cc) chooses which families load with bpf_program__set_autoload.
 *   pt_state      connection state (always)
 *   pt_sock_*     primary path: socket tracepoints (kernel >= 6.3)
 *   pt_sys_*      fallback path: sys_enter/sys_exit + fd lookup
 * A new family (e.g. TLS uprobes, pt_tls_*) is one more header included here. */
#include "common.bpf.h"
#include "conn_state.bpf.h"
#include "capture_sock.bpf.h"
#include "capture_syscalls.bpf.h"
#include "capture_tls.bpf.h"

char LICENSE[] SEC("license") = "GPL";

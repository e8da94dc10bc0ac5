/* Layouts private to the TLS probe family (capture_tls.bpf.h <-> native/src/tls_attach.cc).
 * The plaintext events themselves use struct pt_event from events.h (PT_EV_TLS_WRITE/READ). */
#ifndef PROCTAP_TLS_EVENTS_H
#define PROCTAP_TLS_EVENTS_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* Per-CPU counters of the TLS probes (PERCPU_ARRAY `tls_counters`, index 0). */
struct pt_tls_counters {
	__u64 calls;        /* uprobe entries of SSL_read/SSL_write(_ex) that passed the filter */
	__u64 filtered;     /* uprobe entries skipped by the filter (non-targets of a per-file attach) */
	__u64 events;       /* plaintext events submitted (includes ring drops: see pt_counters.drops) */
	__u64 unlinked;     /* plaintext events with no socket known */
	__u64 exact;        /* plaintext events linked by an in-call socket op (or an SSL* so linked) */
	__u64 inferred;     /* plaintext events linked by the memory-BIO patterns */
	__u64 socket_links; /* SSL* -> socket links made (exact or inferred) */
	__u64 frees;        /* SSL_free calls seen */
	__u64 notify;       /* exec/exit notifications sent to user space */
	__u64 notify_drops; /* notifications lost (notify ring full) */
	__u64 held;         /* new processes stopped at exec until their probes are attached */
	__u64 scratch_races;/* events dropped: the per-CPU scratch was reused while a (preemptible)
	                     * uprobe program filled it */
	__u64 reserved[4];
};

/* tls_ctl map (ARRAY, one entry), written by user space. */
struct pt_tls_ctl {
	__u32 notify_exec;   /* send exec notifications for processes that pass the filter */
	__u32 hold_exec;     /* SIGSTOP such processes at exec; user space attaches and SIGCONTs */
	__u32 link_window_ms;/* memory-BIO inference: how old a socket op may be (default 100) */
	__u32 reserved;
	__u64 heartbeat_ns;  /* CLOCK_MONOTONIC of user space's last notification poll: no hold when
	                      * it is older than PT_TLS_HOLD_STALE_NS (a stalled reader would leave
	                      * processes stopped) */
};

#define PT_TLS_HOLD_STALE_NS (500ULL * 1000 * 1000)

enum pt_tls_notify_kind {
	PT_TLS_NOTIFY_EXEC = 1, /* a process that passes the filter exec'd */
	PT_TLS_NOTIFY_EXIT = 2, /* a process with per-pid probes exited */
};

/* Records of the small `tls_notify` ring (control plane, not payload). */
struct pt_tls_notify {
	__u32 kind;
	__u32 pid;
	__u32 netns_ino;
	__u32 held;      /* 1 = stopped with SIGSTOP, waiting for SIGCONT */
	__u64 cgroup_id;
	char comm[16];
};

#endif /* PROCTAP_TLS_EVENTS_H */

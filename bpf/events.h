/* The wire layout between the BPF program and user space (native/ includes this file too).
 *
 * Every ring buffer record is one `struct pt_event` header followed by `captured` payload bytes.
 * Bump PT_EVENT_VERSION whenever the header changes; the decoder refuses versions it does not know.
 * Types are fixed-width so the same bytes mean the same thing in BPF, C++ and TypeScript
 * (src/capture/decode.ts mirrors the offsets below; keep them in sync).
 */
#ifndef PROCTAP_EVENTS_H
#define PROCTAP_EVENTS_H

#ifndef __BPF__
#include <linux/types.h> /* BPF side: vmlinux.h defines the __uN types */
#endif

#define PT_EVENT_VERSION 1

/* Largest payload cap user space may configure (per event). */
#define PT_MAX_CAPTURE 65536
#define PT_DEFAULT_CAPTURE 16384
/* iovec entries read for readv/writev/sendmsg/recvmsg (bounded loop). */
#define PT_MAX_IOV 8

enum pt_event_type {
	PT_EV_SEND = 1,        /* payload written to a TCP socket */
	PT_EV_RECV = 2,        /* payload read from a TCP socket */
	PT_EV_CONNECT = 3,     /* CLOSE -> SYN_SENT, in the connecting process */
	PT_EV_ESTABLISHED = 4, /* full tuple known (client or server side) */
	PT_EV_CLOSE = 5,       /* -> CLOSE; tuple as saved at ESTABLISHED */
	PT_EV_TLS_WRITE = 6,   /* plaintext given to SSL_write* (TLS probes) */
	PT_EV_TLS_READ = 7,    /* plaintext returned by SSL_read* (TLS probes) */
};

enum pt_event_flags {
	PT_F_TRUNCATED = 1 << 0,      /* len > captured because of the cap */
	PT_F_NO_PAYLOAD = 1 << 1,     /* no user buffer (sendfile, splice, io_uring, *mmsg) or cap 0 */
	PT_F_PEEK = 1 << 2,           /* MSG_PEEK read */
	PT_F_READ_FAULT = 1 << 3,     /* bpf_probe_read_user failed */
	PT_F_TLS_CIPHERTEXT = 1 << 4, /* TCP I/O of a socket whose plaintext the TLS probes capture */
	PT_F_TLS_LINK_EXACT = 1 << 5, /* TLS event: socket_cookie found by an in-call socket op */
	PT_F_TLS_LINK_INFERRED = 1 << 6, /* TLS event: socket_cookie guessed (memory BIO libraries) */
	PT_F_V4_MAPPED = 1 << 7,      /* AF_INET6 socket talking to a v4-mapped peer */
	PT_F_ROLE_FROM_STATE = 1 << 8,/* role came from a seen handshake (else unknown/guessed) */
};

enum pt_role {
	PT_ROLE_UNKNOWN = 0,
	PT_ROLE_CLIENT = 1,
	PT_ROLE_SERVER = 2,
};

/* Which hook produced the event. */
enum pt_source {
	PT_SRC_SOCK_TP = 1,  /* tp_btf/sock_send_length, sock_recv_length */
	PT_SRC_SYSCALL = 2,  /* tp_btf/sys_enter + sys_exit fallback */
	PT_SRC_STATE = 3,    /* tp_btf/inet_sock_set_state */
	PT_SRC_TLS = 4,      /* uprobes on a TLS library */
};

/* 128 bytes; payload follows at offset sizeof(struct pt_event). */
struct pt_event {
	__u16 version;      /*   0 PT_EVENT_VERSION */
	__u8 type;          /*   2 enum pt_event_type */
	__u8 family;        /*   3 4 or 6 (AF_INET6 sockets with v4-mapped peers: 6 + PT_F_V4_MAPPED) */
	__u8 role;          /*   4 enum pt_role */
	__u8 source;        /*   5 enum pt_source */
	__u16 flags;        /*   6 enum pt_event_flags */
	__u32 pid;          /*   8 tgid */
	__u32 tid;          /*  12 */
	__u32 uid;          /*  16 */
	__u32 netns_ino;    /*  20 the socket's network namespace inode */
	__u64 ts_ns;        /*  24 bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u64 cgroup_id;    /*  32 cgroup v2 id of the task */
	__u64 sock_cookie;  /*  40 bpf_get_socket_cookie; TLS events: the linked socket or 0 */
	__u8 laddr[16];     /*  48 local address (v4 in the first 4 bytes) */
	__u8 raddr[16];     /*  64 remote address */
	__u16 lport;        /*  80 host byte order */
	__u16 rport;        /*  82 host byte order */
	__u32 len;          /*  84 bytes the operation moved (full length, even when truncated) */
	__u32 captured;     /*  88 payload bytes that follow this header */
	__u32 aux;          /*  92 type specific: syscall nr for send/recv; TLS: library id */
	char comm[16];      /*  96 task comm */
	__u64 tls_ctx;      /* 112 TLS events: the SSL* pointer; else 0 */
	__u64 reserved;     /* 120 */
};

/* The decoder (src/capture/decode.ts) reads these offsets: keep them fixed. */
#ifdef __cplusplus
#define PT_STATIC_ASSERT static_assert
#else
#define PT_STATIC_ASSERT _Static_assert
#endif
PT_STATIC_ASSERT(sizeof(struct pt_event) == 128, "pt_event is 128 bytes");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, ts_ns) == 24, "ts_ns at 24");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, sock_cookie) == 40, "sock_cookie at 40");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, laddr) == 48, "laddr at 48");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, lport) == 80, "lport at 80");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, captured) == 88, "captured at 88");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, comm) == 96, "comm at 96");
PT_STATIC_ASSERT(__builtin_offsetof(struct pt_event, tls_ctx) == 112, "tls_ctx at 112");

/* Per-CPU counters (PERCPU_ARRAY `counters`, index 0); user space sums over CPUs. */
struct pt_counters {
	__u64 events;        /* records written to the ring */
	__u64 bytes;         /* payload bytes written to the ring */
	__u64 drops;         /* records lost because the ring was full */
	__u64 drop_bytes;    /* payload bytes of those records */
	__u64 filtered;      /* socket operations skipped by the filter */
	__u64 read_faults;   /* user buffers that could not be read */
	__u64 no_payload;    /* operations without a user buffer to read */
	__u64 truncated;     /* events cut at the cap */
	__u64 tls_events;    /* TLS plaintext events (TLS probes) */
	__u64 syscall_misses;/* syscalls path: TCP I/O whose syscall entry was not seen (it began
	                      * before attach, or the pending table was full): not captured */
	__u64 reserved[6];
};

/* capture_config map (ARRAY, one entry). Updated at run time by user space. */
enum pt_filter_bits {
	PT_FILTER_HAS_INCLUDE = 1 << 0, /* some include entry exists: only matches pass */
	PT_FILTER_PIDS = 1 << 1,        /* filter_pids is not empty (skip empty lookups) */
	PT_FILTER_COMMS = 1 << 2,
	PT_FILTER_CGROUPS = 1 << 3,
	PT_FILTER_NETNS = 1 << 4,
};

struct pt_config {
	__u32 self_pid;      /* the sensor's tgid, never captured */
	__u32 filter_bits;   /* enum pt_filter_bits */
	__u32 cap_bytes;     /* payload cap per event, <= PT_MAX_CAPTURE; 0 = no payload */
	__u32 wakeup_bytes;  /* force a reader wakeup once this much is pending in the ring */
	__u32 tls_enabled;   /* consult tls_sockets for the ciphertext flag */
	__u32 reserved[3];
};

/* Values of the filter_* maps. */
enum pt_filter_action {
	PT_FILTER_INCLUDE = 1,
	PT_FILTER_EXCLUDE = 2,
};

struct pt_comm_key {
	char comm[16];
};

#endif /* PROCTAP_EVENTS_H */

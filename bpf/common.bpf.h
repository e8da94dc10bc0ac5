/* Maps and helpers shared by every capture program of sensor.bpf.c:
 * the ring buffer, config, filters, counters, per-socket state, and the payload copier.
 * A new probe family (e.g. TLS uprobes) includes this and emits through pt_submit(). */
#ifndef PROCTAP_COMMON_BPF_H
#define PROCTAP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "events.h"

#define AF_INET 2
#define AF_INET6 10
#define MSG_PEEK 2
#define S_IFMT 00170000
#define S_IFSOCK 0140000

#ifndef barrier_var
#define barrier_var(var) asm volatile("" : "+r"(var))
#endif

/* x86_64 syscall numbers of the calls whose user buffer we know how to read. */
#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47

/* ---- maps ---- */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 20); /* resized by the loader before load */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_config);
} capture_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_counters);
} counters SEC(".maps");

/* Filter maps: key -> enum pt_filter_action. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct pt_comm_key);
	__type(value, __u8);
} filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u8);
} filter_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_netns SEC(".maps");

/* What the state tracepoint learnt about a socket, keyed by socket cookie. */
struct pt_sock_info {
	__u8 role;
	__u8 family;
	__u8 has_tuple;
	__u8 v4_mapped;
	__u8 cg_verdict; /* the connecting task's cgroup verdict, worked out at connect() */
	__u8 pad[3];
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u64 cgroup_id;
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;
	__u16 rport;
	__u32 netns_ino;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct pt_sock_info);
} sock_info SEC(".maps");

/* Sockets whose plaintext the TLS probes capture (cookie -> 1); their TCP I/O gets
 * PT_F_TLS_CIPHERTEXT. Filled by the TLS programs, consulted when config.tls_enabled. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} tls_sockets SEC(".maps");

/* One record under construction per CPU. An ARRAY with one slot per CPU because PERCPU_ARRAY
 * values over 32 KiB are rejected; twice the cap so the iovec copier can bound offset + chunk. */
struct pt_scratch {
	struct pt_event ev;
	__u8 data[2 * PT_MAX_CAPTURE];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs by the loader */
	__type(key, __u32);
	__type(value, struct pt_scratch);
} scratch SEC(".maps");

/* ---- helpers ---- */

static __always_inline struct pt_config *pt_get_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&capture_config, &zero);
}

static __always_inline struct pt_counters *pt_get_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&counters, &zero);
}

static __always_inline struct pt_scratch *pt_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Facts the filter may look at. comm/cgroup are fetched by the caller (they go into the event). */
struct pt_who {
	__u32 pid;
	__u64 cgroup_id;
	__u32 netns_ino;
	/* cg_known: cg_verdict was worked out before (events outside the task's context, e.g. softirq);
	 * else the current task's cgroup ancestry is walked. */
	__u8 cg_known;
	__u8 cg_verdict;
	char comm[16];
};

#define PT_MAX_CGROUP_DEPTH 16
#define PT_CG_INCLUDED 1
#define PT_CG_EXCLUDED 2

/* A cgroup entry covers its whole subtree: look up the current task's cgroup and each ancestor
 * (bounded depth). Returns PT_CG_INCLUDED / PT_CG_EXCLUDED bits. */
static __always_inline __u8 pt_cgroup_verdict_current(__u64 cgid)
{
	__u8 v = 0;
	__u8 *a = bpf_map_lookup_elem(&filter_cgroups, &cgid);
	if (a)
		v |= *a == PT_FILTER_EXCLUDE ? PT_CG_EXCLUDED : PT_CG_INCLUDED;
	for (int lvl = 1; lvl < PT_MAX_CGROUP_DEPTH; lvl++) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(lvl);
		if (id == 0 || id == cgid)
			break;
		a = bpf_map_lookup_elem(&filter_cgroups, &id);
		if (a)
			v |= *a == PT_FILTER_EXCLUDE ? PT_CG_EXCLUDED : PT_CG_INCLUDED;
	}
	return v;
}

/* 1 = capture, 0 = filtered. An exclude match wins; with include entries only matches pass. */
static __always_inline int pt_filter_pass(const struct pt_config *cfg, const struct pt_who *w)
{
	__u32 bits = cfg->filter_bits;
	int included = 0;
	__u8 *a;

	if (bits & PT_FILTER_PIDS) {
		a = bpf_map_lookup_elem(&filter_pids, &w->pid);
		if (a) {
			if (*a == PT_FILTER_EXCLUDE)
				return 0;
			included = 1;
		}
	}
	if (bits & PT_FILTER_NETNS) {
		a = bpf_map_lookup_elem(&filter_netns, &w->netns_ino);
		if (a) {
			if (*a == PT_FILTER_EXCLUDE)
				return 0;
			included = 1;
		}
	}
	if (bits & PT_FILTER_CGROUPS) {
		__u8 v = w->cg_known ? w->cg_verdict : pt_cgroup_verdict_current(w->cgroup_id);
		if (v & PT_CG_EXCLUDED)
			return 0;
		if (v & PT_CG_INCLUDED)
			included = 1;
	}
	if (bits & PT_FILTER_COMMS) {
		a = bpf_map_lookup_elem(&filter_comms, (const struct pt_comm_key *)w->comm);
		if (a) {
			if (*a == PT_FILTER_EXCLUDE)
				return 0;
			included = 1;
		}
	}
	if (bits & PT_FILTER_HAS_INCLUDE)
		return included;
	return 1;
}

static __always_inline void pt_count_filtered(void)
{
	struct pt_counters *c = pt_get_counters();
	if (c)
		__sync_fetch_and_add(&c->filtered, 1);
}

/* Writes one record to the ring; wakes the reader only once wakeup_bytes are pending so a busy
 * ring is drained in batches (the reader also polls with a short timeout). Counts drops. */
static __always_inline void pt_submit(const struct pt_config *cfg, void *rec, __u64 size, __u32 captured)
{
	struct pt_counters *c = pt_get_counters();
	__u64 pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 flags = pending + size >= cfg->wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(&events, rec, size, flags)) {
		if (c) {
			__sync_fetch_and_add(&c->drops, 1);
			__sync_fetch_and_add(&c->drop_bytes, captured);
		}
		return;
	}
	if (c) {
		__sync_fetch_and_add(&c->events, 1);
		__sync_fetch_and_add(&c->bytes, captured);
	}
}

static __always_inline int pt_sock_is_tcp(struct sock *sk)
{
	if (!sk)
		return 0;
	__u16 proto = BPF_CORE_READ(sk, sk_protocol);
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return proto == IPPROTO_TCP && (family == AF_INET || family == AF_INET6);
}

static __always_inline __u32 pt_sock_netns(struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* Reads the socket's current tuple into the event. */
static __always_inline void pt_fill_tuple(struct pt_event *e, struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	if (family == AF_INET) {
		e->family = 4;
		BPF_CORE_READ_INTO((__u32 *)e->laddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->raddr, sk, __sk_common.skc_daddr);
	} else {
		e->family = 6;
		/* bpf_core_read with an explicit size: BPF_CORE_READ_INTO would copy sizeof(u8). */
		bpf_core_read(e->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->raddr, 16, &sk->__sk_common.skc_v6_daddr);
		/* ::ffff:a.b.c.d */
		if (*(__u64 *)e->raddr == 0 && e->raddr[8] == 0 && e->raddr[9] == 0 && e->raddr[10] == 0xff &&
		    e->raddr[11] == 0xff)
			e->flags |= PT_F_V4_MAPPED;
	}
	e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* pt_fill_tuple for a trusted (BTF) socket pointer, as tp_btf programs get: plain loads instead
 * of one bpf_probe_read_kernel call per field (the hot path pays for every helper call). */
static __always_inline void pt_fill_tuple_btf(struct pt_event *e, struct sock *sk)
{
	__u16 family = sk->__sk_common.skc_family;

	if (family == AF_INET) {
		e->family = 4;
		__builtin_memset(e->laddr, 0, sizeof(e->laddr));
		__builtin_memset(e->raddr, 0, sizeof(e->raddr));
		*(__u32 *)e->laddr = sk->__sk_common.skc_rcv_saddr;
		*(__u32 *)e->raddr = sk->__sk_common.skc_daddr;
	} else {
		e->family = 6;
		const __u32 *l = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32;
		const __u32 *r = sk->__sk_common.skc_v6_daddr.in6_u.u6_addr32;
		__u32 *el = (__u32 *)e->laddr, *er = (__u32 *)e->raddr;
		el[0] = l[0];
		el[1] = l[1];
		el[2] = l[2];
		el[3] = l[3];
		er[0] = r[0];
		er[1] = r[1];
		er[2] = r[2];
		er[3] = r[3];
		if (er[0] == 0 && er[1] == 0 && er[2] == bpf_htonl(0x0000ffff))
			e->flags |= PT_F_V4_MAPPED;
	}
	e->lport = sk->__sk_common.skc_num;
	e->rport = bpf_ntohs(sk->__sk_common.skc_dport);
}

/* Task facts of the current process into the event. */
static __always_inline void pt_fill_task(struct pt_event *e)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

/* ---- payload copy from the syscall's user buffer ---- */

/* The syscall that led to a socket operation, with the arguments that locate its buffer. */
struct pt_io_args {
	__u64 nr;
	__u64 a0, a1, a2, a3;
};

/* Copies up to `want` bytes (<= cap <= PT_MAX_CAPTURE) from a flat user buffer. */
static __always_inline __u32 pt_copy_flat(struct pt_scratch *s, const void *ubuf, __u64 want, __u16 *flags)
{
	__u64 n = want;
	if (n > PT_MAX_CAPTURE)
		n = PT_MAX_CAPTURE;
	barrier_var(n);
	if (n == 0)
		return 0;
	if (bpf_probe_read_user(s->data, n, ubuf)) {
		*flags |= PT_F_READ_FAULT;
		return 0;
	}
	return n;
}

/* Copies from the first PT_MAX_IOV iovecs, in order, until `want` bytes. */
static __always_inline __u32 pt_copy_iov(struct pt_scratch *s, const struct iovec *iovp, __u64 iovcnt, __u64 want,
					 __u16 *flags)
{
	__u64 off = 0;
	if (want > PT_MAX_CAPTURE)
		want = PT_MAX_CAPTURE;
	for (int i = 0; i < PT_MAX_IOV; i++) {
		struct iovec iov;
		if (i >= iovcnt || off >= want)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), &iovp[i])) {
			*flags |= PT_F_READ_FAULT;
			break;
		}
		__u64 chunk = iov.iov_len;
		__u64 rest = want - off;
		if (chunk > rest)
			chunk = rest;
		if (chunk > PT_MAX_CAPTURE)
			chunk = PT_MAX_CAPTURE;
		barrier_var(chunk);
		__u64 o = off & (PT_MAX_CAPTURE - 1);
		barrier_var(o);
		if (chunk == 0)
			continue;
		if (bpf_probe_read_user(s->data + o, chunk, iov.iov_base)) {
			*flags |= PT_F_READ_FAULT;
			break;
		}
		off += chunk;
	}
	return off;
}

/* Copies the payload of a send (is_send) or recv of `ret` bytes made by syscall `io`.
 * Returns the captured length and sets flags (no payload, fault, peek, truncated). */
static __always_inline __u32 pt_copy_payload(struct pt_scratch *s, const struct pt_io_args *io, int is_send, __u64 ret,
					     __u32 cap, __u16 *flags)
{
	__u64 want = ret < cap ? ret : cap;
	__u32 got = 0;
	__u64 nr = io->nr;

	if (cap == 0) {
		*flags |= PT_F_NO_PAYLOAD;
		return 0;
	}
	if (is_send) {
		if (nr == NR_write || nr == NR_sendto)
			got = pt_copy_flat(s, (const void *)io->a1, want, flags);
		else if (nr == NR_writev)
			got = pt_copy_iov(s, (const struct iovec *)io->a1, io->a2, want, flags);
		else if (nr == NR_sendmsg) {
			struct user_msghdr m;
			if (bpf_probe_read_user(&m, sizeof(m), (const void *)io->a1)) {
				*flags |= PT_F_READ_FAULT;
				return 0;
			}
			got = pt_copy_iov(s, m.msg_iov, m.msg_iovlen, want, flags);
		} else {
			*flags |= PT_F_NO_PAYLOAD;
			return 0;
		}
	} else {
		if (nr == NR_read || nr == NR_recvfrom)
			got = pt_copy_flat(s, (const void *)io->a1, want, flags);
		else if (nr == NR_readv)
			got = pt_copy_iov(s, (const struct iovec *)io->a1, io->a2, want, flags);
		else if (nr == NR_recvmsg) {
			struct user_msghdr m;
			if (bpf_probe_read_user(&m, sizeof(m), (const void *)io->a1)) {
				*flags |= PT_F_READ_FAULT;
				return 0;
			}
			got = pt_copy_iov(s, m.msg_iov, m.msg_iovlen, want, flags);
		} else {
			*flags |= PT_F_NO_PAYLOAD;
			return 0;
		}
	}
	if (!(*flags & PT_F_READ_FAULT) && ret > got)
		*flags |= PT_F_TRUNCATED;
	return got;
}

/* Builds and submits a send/recv event for socket `sk` of `ret` bytes.
 * `peek` is the MSG_PEEK state when known from the hook. */
static __always_inline void pt_emit_io(const struct pt_config *cfg, struct sock *sk, __u64 cookie, const struct pt_who *w,
				       const struct pt_io_args *io, int is_send, __u64 ret, int peek, __u8 source,
				       const int trusted_sk)
{
	struct pt_scratch *s = pt_scratch();
	if (!s)
		return;
	struct pt_event *e = &s->ev;

	e->version = PT_EVENT_VERSION;
	e->type = is_send ? PT_EV_SEND : PT_EV_RECV;
	e->source = source;
	e->flags = peek ? PT_F_PEEK : 0;
	e->ts_ns = bpf_ktime_get_ns();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->cgroup_id = w->cgroup_id;
	e->netns_ino = w->netns_ino;
	__builtin_memcpy(e->comm, w->comm, sizeof(e->comm));
	e->sock_cookie = cookie;
	e->len = ret > 0xffffffffULL ? 0xffffffffU : (__u32)ret;
	e->aux = (__u32)io->nr;
	e->tls_ctx = 0;
	e->reserved = 0;
	if (trusted_sk)
		pt_fill_tuple_btf(e, sk);
	else
		pt_fill_tuple(e, sk);

	struct pt_sock_info *si = bpf_map_lookup_elem(&sock_info, &cookie);
	if (si) {
		e->role = si->role;
		e->flags |= PT_F_ROLE_FROM_STATE;
		if (si->pid == 0) {
			/* A server socket is established in softirq: its process is known from its first
			 * send/recv on, so the close event can name it. */
			si->pid = e->pid;
			si->tid = e->tid;
			si->uid = e->uid;
			si->cgroup_id = e->cgroup_id;
			__builtin_memcpy(si->comm, e->comm, sizeof(si->comm));
			if (cfg->filter_bits & PT_FILTER_CGROUPS)
				si->cg_verdict = pt_cgroup_verdict_current(e->cgroup_id);
		}
	} else {
		e->role = PT_ROLE_UNKNOWN;
	}
	if (cfg->tls_enabled && bpf_map_lookup_elem(&tls_sockets, &cookie))
		e->flags |= PT_F_TLS_CIPHERTEXT;

	__u32 cap = cfg->cap_bytes;
	if (cap > PT_MAX_CAPTURE)
		cap = PT_MAX_CAPTURE;
	__u16 flags = e->flags;
	__u32 got = pt_copy_payload(s, io, is_send, ret, cap, &flags);
	e->flags = flags;
	e->captured = got;

	struct pt_counters *c = pt_get_counters();
	if (c) {
		if (flags & PT_F_READ_FAULT)
			__sync_fetch_and_add(&c->read_faults, 1);
		if (flags & PT_F_NO_PAYLOAD)
			__sync_fetch_and_add(&c->no_payload, 1);
		if (flags & PT_F_TRUNCATED)
			__sync_fetch_and_add(&c->truncated, 1);
	}

	__u64 size = sizeof(struct pt_event) + (__u64)got;
	if (size > sizeof(struct pt_scratch))
		size = sizeof(struct pt_scratch);
	barrier_var(size);
	pt_submit(cfg, s, size, got);
}

#endif /* PROCTAP_COMMON_BPF_H */

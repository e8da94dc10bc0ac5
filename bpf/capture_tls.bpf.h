/* TLS plaintext: uprobes/uretprobes on OpenSSL's SSL_write, SSL_read, SSL_write_ex, SSL_read_ex
 * (and SSL_do_handshake, SSL_free), attached by native/src/tls_attach.cc per target process or per
 * library file. Programs of this family are named pt_tls_* and load only when HTTPS capture is on.
 *
 * Linking plaintext to its socket (socket cookie):
 *  - exact: the same thread does socket I/O while the SSL call is in progress (socket BIO: curl,
 *    python). pt_tls_on_sock_io(), called from the socket send/recv hooks, records the socket in
 *    the thread's in-call state. The SSL* keeps that link for later calls that do no socket I/O.
 *  - inferred (memory BIO: Node): SSL_read returning data follows a socket read on the same thread
 *    (read-then-SSL_read: sets or corrects the link); an SSL call that leaves records to send
 *    (SSL_write, a handshake step) is followed by the socket write on the same thread
 *    (SSL_write-then-send: sets a missing link only). Flagged PT_F_TLS_LINK_INFERRED.
 * Linked sockets go into tls_sockets, so their TCP events carry PT_F_TLS_CIPHERTEXT. */
#ifndef PROCTAP_CAPTURE_TLS_BPF_H
#define PROCTAP_CAPTURE_TLS_BPF_H
#include "common.bpf.h"
#include "tls_events.h"

#define PT_TLS_DEFAULT_WINDOW_NS (100ULL * 1000 * 1000)

enum pt_tls_fn {
	PT_TLS_FN_WRITE = 0,
	PT_TLS_FN_READ = 1,
	PT_TLS_FN_HANDSHAKE = 2,
};

/* One SSL call in progress on a thread (key pid_tgid). */
struct pt_tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 outlen; /* _ex variants: size_t *written / *readbytes; else 0 */
	__u64 cookie; /* socket used during the call, 0 if none */
	__u64 sk;
	__u32 fn;     /* enum pt_tls_fn */
	__u32 lib_id; /* attach cookie: which library file user space attached */
};

struct pt_tls_link_key {
	__u32 tgid;
	__u32 pad;
	__u64 ssl;
};

struct pt_tls_link {
	__u64 cookie;
	__u64 sk;
	__u8 exact;
	__u8 pad[7];
};

/* Memory-BIO evidence per thread: the last socket read, and an SSL call waiting for its send. */
struct pt_tls_thread {
	__u64 recv_cookie;
	__u64 recv_sk;
	__u64 recv_ts;
	__u64 pend_ssl;
	__u64 pend_ts;
	__u64 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pt_tls_call);
} tls_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct pt_tls_link_key);
	__type(value, struct pt_tls_link);
} tls_links SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pt_tls_thread);
} tls_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_tls_counters);
} tls_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_tls_ctl);
} tls_ctl SEC(".maps");

/* Pids with per-pid probes: their exit is reported so user space detaches. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, __u8);
} tls_watch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} tls_notify SEC(".maps");

static __always_inline struct pt_tls_counters *pt_tls_counters(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&tls_counters, &zero);
}

static __always_inline __u64 pt_tls_window_ns(void)
{
	__u32 zero = 0;
	struct pt_tls_ctl *ctl = bpf_map_lookup_elem(&tls_ctl, &zero);
	if (ctl && ctl->link_window_ms)
		return (__u64)ctl->link_window_ms * 1000 * 1000;
	return PT_TLS_DEFAULT_WINDOW_NS;
}

static __always_inline __u32 pt_task_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* The filter, applied to the calling task (a per-file attach fires in every process). */
static __always_inline int pt_tls_pass(const struct pt_config *cfg, __u64 pid_tgid)
{
	__u32 pid = pid_tgid >> 32;
	if (pid == cfg->self_pid)
		return 0;
	if (!cfg->filter_bits)
		return 1;
	struct pt_who w = {};
	w.pid = pid;
	w.netns_ino = pt_task_netns();
	w.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(w.comm, sizeof(w.comm));
	return pt_filter_pass(cfg, &w);
}

static __always_inline void pt_tls_set_link(__u32 tgid, __u64 ssl, __u64 cookie, __u64 sk, __u8 exact)
{
	struct pt_tls_link_key k = {.tgid = tgid, .ssl = ssl};
	struct pt_tls_link *cur = bpf_map_lookup_elem(&tls_links, &k);
	if (cur && cur->cookie == cookie && cur->exact >= exact)
		return;
	struct pt_tls_link v = {.cookie = cookie, .sk = sk, .exact = exact};
	bpf_map_update_elem(&tls_links, &k, &v, BPF_ANY);
	__u8 one = 1;
	bpf_map_update_elem(&tls_sockets, &cookie, &one, BPF_ANY);
	struct pt_tls_counters *c = pt_tls_counters();
	if (c)
		__sync_fetch_and_add(&c->socket_links, 1);
}

/* Called by the socket send/recv hooks for every captured TCP operation, before its event is
 * built (so a socket linked here already gets PT_F_TLS_CIPHERTEXT). */
static __always_inline void pt_tls_on_sock_io(const struct pt_config *cfg, struct sock *sk, __u64 cookie, int is_send)
{
	if (!cfg->tls_enabled)
		return;
	__u64 id = bpf_get_current_pid_tgid();
	struct pt_tls_call *call = bpf_map_lookup_elem(&tls_calls, &id);
	if (call) {
		/* Exact: this thread is inside an SSL call. The first socket it touches is the one. */
		if (!call->cookie) {
			call->cookie = cookie;
			call->sk = (__u64)sk;
			__u8 one = 1;
			bpf_map_update_elem(&tls_sockets, &cookie, &one, BPF_ANY);
		}
		return;
	}
	__u64 now = bpf_ktime_get_ns();
	struct pt_tls_thread *t = bpf_map_lookup_elem(&tls_threads, &id);
	if (!is_send) {
		if (t) {
			t->recv_cookie = cookie;
			t->recv_sk = (__u64)sk;
			t->recv_ts = now;
		} else {
			struct pt_tls_thread fresh = {.recv_cookie = cookie, .recv_sk = (__u64)sk, .recv_ts = now};
			bpf_map_update_elem(&tls_threads, &id, &fresh, BPF_ANY);
		}
		return;
	}
	/* SSL_write-then-send: the first send after a memory-BIO SSL call carries its records. */
	if (!t || !t->pend_ssl)
		return;
	__u64 ssl = t->pend_ssl;
	__u64 ts = t->pend_ts;
	t->pend_ssl = 0;
	if (now - ts > pt_tls_window_ns())
		return;
	struct pt_tls_link_key k = {.tgid = id >> 32, .ssl = ssl};
	struct pt_tls_link *cur = bpf_map_lookup_elem(&tls_links, &k);
	/* Only fills a missing link: a send that follows SSL_write may belong to another socket when
	 * Node's write was queued (EAGAIN) and flushed later; the read side corrects links instead. */
	if (cur)
		return;
	pt_tls_set_link(id >> 32, ssl, cookie, (__u64)sk, 0);
}

static __always_inline int pt_tls_enter(__u64 ssl, __u64 buf, __u64 outlen, __u32 fn, __u32 lib_id)
{
	struct pt_config *cfg = pt_get_config();
	if (!cfg)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct pt_tls_counters *c = pt_tls_counters();
	if (!pt_tls_pass(cfg, id)) {
		if (c)
			__sync_fetch_and_add(&c->filtered, 1);
		return 0;
	}
	if (c && fn != PT_TLS_FN_HANDSHAKE)
		__sync_fetch_and_add(&c->calls, 1);
	struct pt_tls_call call = {.ssl = ssl, .buf = buf, .outlen = outlen, .fn = fn, .lib_id = lib_id};
	/* A handshake started inside a read/write belongs to that call: keep the outer state. */
	bpf_map_update_elem(&tls_calls, &id, &call, fn == PT_TLS_FN_HANDSHAKE ? BPF_NOEXIST : BPF_ANY);
	return 0;
}

/* Socket tuple, role and netns of the linked socket into the event. */
static __always_inline void pt_tls_fill_conn(struct pt_event *e, __u64 cookie, __u64 skp)
{
	struct pt_sock_info *si = cookie ? bpf_map_lookup_elem(&sock_info, &cookie) : 0;
	__builtin_memset(e->laddr, 0, sizeof(e->laddr));
	__builtin_memset(e->raddr, 0, sizeof(e->raddr));
	e->family = 0;
	e->lport = 0;
	e->rport = 0;
	e->role = PT_ROLE_UNKNOWN;
	e->netns_ino = pt_task_netns();
	if (si) {
		e->role = si->role;
		e->flags |= PT_F_ROLE_FROM_STATE;
	}
	if (si && si->has_tuple) {
		e->family = si->family;
		__builtin_memcpy(e->laddr, si->laddr, 16);
		__builtin_memcpy(e->raddr, si->raddr, 16);
		e->lport = si->lport;
		e->rport = si->rport;
		e->netns_ino = si->netns_ino;
		if (si->v4_mapped)
			e->flags |= PT_F_V4_MAPPED;
	} else if (skp) {
		/* A connection older than the sensor: read the live socket. */
		struct sock *sk = (struct sock *)skp;
		pt_fill_tuple(e, sk);
		e->netns_ino = pt_sock_netns(sk);
	}
}

static __always_inline int pt_tls_exit(struct pt_regs *ctx, int handshake)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pt_tls_call *cp = bpf_map_lookup_elem(&tls_calls, &id);
	if (!cp || (cp->fn == PT_TLS_FN_HANDSHAKE) != handshake)
		return 0;
	struct pt_tls_call call = *cp;
	bpf_map_delete_elem(&tls_calls, &id);
	struct pt_config *cfg = pt_get_config();
	if (!cfg)
		return 0;
	__u32 tgid = id >> 32;
	long rc = PT_REGS_RC(ctx);

	/* Bytes moved: SSL_read/SSL_write return them; the _ex variants return 1 and store them. */
	__u64 n = 0;
	if (call.fn != PT_TLS_FN_HANDSHAKE) {
		if (call.outlen) {
			__u64 v = 0;
			if ((int)rc == 1 && !bpf_probe_read_user(&v, sizeof(v), (void *)call.outlen))
				n = v;
		} else if ((int)rc > 0) {
			n = (__u64)(int)rc;
		}
	}

	__u64 now = bpf_ktime_get_ns();
	__u64 cookie = 0, sk = 0;
	__u16 link_flag = 0;
	struct pt_tls_link_key k = {.tgid = tgid, .ssl = call.ssl};
	struct pt_tls_link *link = bpf_map_lookup_elem(&tls_links, &k);
	if (call.cookie) {
		cookie = call.cookie;
		sk = call.sk;
		link_flag = PT_F_TLS_LINK_EXACT;
		pt_tls_set_link(tgid, call.ssl, cookie, sk, 1);
	} else if (link && link->exact) {
		cookie = link->cookie;
		sk = link->sk;
		link_flag = PT_F_TLS_LINK_EXACT;
	} else {
		/* Memory BIO. */
		struct pt_tls_thread *t = bpf_map_lookup_elem(&tls_threads, &id);
		__u64 window = pt_tls_window_ns();
		if (call.fn == PT_TLS_FN_READ && n > 0 && t && t->recv_cookie && now - t->recv_ts <= window) {
			/* read-then-SSL_read: decrypted data came from this thread's last socket read. */
			cookie = t->recv_cookie;
			sk = t->recv_sk;
			link_flag = PT_F_TLS_LINK_INFERRED;
			pt_tls_set_link(tgid, call.ssl, cookie, sk, 0);
		} else if (link) {
			cookie = link->cookie;
			sk = link->sk;
			link_flag = PT_F_TLS_LINK_INFERRED;
		}
		/* The next send on this thread is expected to carry this call's records. */
		if (call.fn == PT_TLS_FN_WRITE || n == 0) {
			if (t) {
				t->pend_ssl = call.ssl;
				t->pend_ts = now;
			} else {
				struct pt_tls_thread fresh = {.pend_ssl = call.ssl, .pend_ts = now};
				bpf_map_update_elem(&tls_threads, &id, &fresh, BPF_ANY);
			}
		}
	}
	if (n == 0)
		return 0;

	struct pt_scratch *s = pt_scratch();
	if (!s)
		return 0;
	struct pt_event *e = &s->ev;
	e->version = PT_EVENT_VERSION;
	e->type = call.fn == PT_TLS_FN_WRITE ? PT_EV_TLS_WRITE : PT_EV_TLS_READ;
	e->source = PT_SRC_TLS;
	e->flags = link_flag;
	e->ts_ns = now;
	pt_fill_task(e);
	e->sock_cookie = cookie;
	e->len = n > 0xffffffffULL ? 0xffffffffU : (__u32)n;
	e->aux = call.lib_id;
	e->tls_ctx = call.ssl;
	e->reserved = 0;
	pt_tls_fill_conn(e, cookie, sk);

	__u32 cap = cfg->cap_bytes;
	if (cap > PT_MAX_CAPTURE)
		cap = PT_MAX_CAPTURE;
	__u16 flags = e->flags;
	__u32 got = 0;
	if (cap == 0)
		flags |= PT_F_NO_PAYLOAD;
	else
		got = pt_copy_flat(s, (const void *)call.buf, n < cap ? n : cap, &flags);
	if (!(flags & PT_F_READ_FAULT) && n > got && cap)
		flags |= PT_F_TRUNCATED;
	e->flags = flags;
	e->captured = got;

	/* Uprobe programs run with migration disabled but may be preempted (preempt=full kernels);
	 * another program on this CPU may then have reused the scratch slot. Drop, don't corrupt. */
	struct pt_tls_counters *c = pt_tls_counters();
	if (e->ts_ns != now || e->tls_ctx != call.ssl || e->tid != (__u32)id || e->captured != got) {
		if (c)
			__sync_fetch_and_add(&c->scratch_races, 1);
		return 0;
	}

	struct pt_counters *pc = pt_get_counters();
	if (pc) {
		__sync_fetch_and_add(&pc->tls_events, 1);
		if (flags & PT_F_READ_FAULT)
			__sync_fetch_and_add(&pc->read_faults, 1);
		if (flags & PT_F_TRUNCATED)
			__sync_fetch_and_add(&pc->truncated, 1);
	}
	if (c) {
		__sync_fetch_and_add(&c->events, 1);
		if (!cookie)
			__sync_fetch_and_add(&c->unlinked, 1);
		else if (link_flag == PT_F_TLS_LINK_EXACT)
			__sync_fetch_and_add(&c->exact, 1);
		else
			__sync_fetch_and_add(&c->inferred, 1);
	}

	__u64 size = sizeof(struct pt_event) + (__u64)got;
	if (size > sizeof(struct pt_scratch))
		size = sizeof(struct pt_scratch);
	barrier_var(size);
	pt_submit(cfg, s, size, got);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(pt_tls_write_enter, void *ssl, const void *buf, int num)
{
	return pt_tls_enter((__u64)ssl, (__u64)buf, 0, PT_TLS_FN_WRITE, (__u32)bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int BPF_KPROBE(pt_tls_write_ex_enter, void *ssl, const void *buf, __u64 num, __u64 *written)
{
	return pt_tls_enter((__u64)ssl, (__u64)buf, (__u64)written, PT_TLS_FN_WRITE, (__u32)bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int BPF_KPROBE(pt_tls_read_enter, void *ssl, void *buf, int num)
{
	return pt_tls_enter((__u64)ssl, (__u64)buf, 0, PT_TLS_FN_READ, (__u32)bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int BPF_KPROBE(pt_tls_read_ex_enter, void *ssl, void *buf, __u64 num, __u64 *readbytes)
{
	return pt_tls_enter((__u64)ssl, (__u64)buf, (__u64)readbytes, PT_TLS_FN_READ, (__u32)bpf_get_attach_cookie(ctx));
}

/* The handshake's socket I/O links the socket before any data, so handshake records are flagged. */
SEC("uprobe")
int BPF_KPROBE(pt_tls_handshake_enter, void *ssl)
{
	return pt_tls_enter((__u64)ssl, 0, 0, PT_TLS_FN_HANDSHAKE, (__u32)bpf_get_attach_cookie(ctx));
}

/* One return probe serves the read/write functions: the in-call state says which call it was. */
SEC("uretprobe")
int BPF_KRETPROBE(pt_tls_data_ret)
{
	return pt_tls_exit(ctx, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(pt_tls_handshake_ret)
{
	return pt_tls_exit(ctx, 1);
}

/* SSL* pointers are reused after SSL_free: forget the link. */
SEC("uprobe")
int BPF_KPROBE(pt_tls_free, void *ssl)
{
	struct pt_tls_link_key k = {.tgid = bpf_get_current_pid_tgid() >> 32, .ssl = (__u64)ssl};
	if (bpf_map_delete_elem(&tls_links, &k) == 0) {
		struct pt_tls_counters *c = pt_tls_counters();
		if (c)
			__sync_fetch_and_add(&c->frees, 1);
	}
	return 0;
}

static __always_inline void pt_tls_notify_send(__u32 kind, __u32 pid, __u32 held)
{
	struct pt_tls_notify n = {};
	n.kind = kind;
	n.pid = pid;
	n.held = held;
	n.netns_ino = pt_task_netns();
	n.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(n.comm, sizeof(n.comm));
	struct pt_tls_counters *c = pt_tls_counters();
	if (bpf_ringbuf_output(&tls_notify, &n, sizeof(n), 0)) {
		if (c)
			__sync_fetch_and_add(&c->notify_drops, 1);
		return;
	}
	if (c)
		__sync_fetch_and_add(&c->notify, 1);
}

/* A process that passes the filter exec'd: user space looks for TLS libraries in it. With
 * hold_exec it is stopped right here, before its first instruction, until its probes are in. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(pt_tls_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0;
	struct pt_tls_ctl *ctl = bpf_map_lookup_elem(&tls_ctl, &zero);
	struct pt_config *cfg = pt_get_config();
	if (!ctl || !cfg || !ctl->notify_exec)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (!pt_tls_pass(cfg, id))
		return 0;
	__u32 held = 0;
	if (ctl->hold_exec && bpf_ktime_get_ns() - ctl->heartbeat_ns < PT_TLS_HOLD_STALE_NS &&
	    bpf_send_signal(19 /* SIGSTOP */) == 0) {
		held = 1;
		struct pt_tls_counters *c = pt_tls_counters();
		if (c)
			__sync_fetch_and_add(&c->held, 1);
	}
	pt_tls_notify_send(PT_TLS_NOTIFY_EXEC, id >> 32, held);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(pt_tls_exit_proc, struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;
	if (pid != (__u32)id) /* a thread, not the process */
		return 0;
	if (!bpf_map_lookup_elem(&tls_watch, &pid))
		return 0;
	bpf_map_delete_elem(&tls_watch, &pid);
	pt_tls_notify_send(PT_TLS_NOTIFY_EXIT, pid, 0);
	return 0;
}
#endif

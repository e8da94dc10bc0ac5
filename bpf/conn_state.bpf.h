/* tp_btf/inet_sock_set_state: connection role, connecting process, established tuple, close.
 * Runs for both capture paths (the tracepoint exists since 4.16). */
#ifndef PROCTAP_CONN_STATE_BPF_H
#define PROCTAP_CONN_STATE_BPF_H
#include "common.bpf.h"

static __always_inline void pt_state_event(const struct pt_config *cfg, struct pt_sock_info *si, struct sock *sk,
					   __u64 cookie, __u8 type)
{
	struct pt_event e = {};

	e.version = PT_EVENT_VERSION;
	e.type = type;
	e.source = PT_SRC_STATE;
	e.role = si->role;
	e.flags = PT_F_ROLE_FROM_STATE | PT_F_NO_PAYLOAD;
	e.ts_ns = bpf_ktime_get_ns();
	e.pid = si->pid;
	e.tid = si->tid;
	e.uid = si->uid;
	e.cgroup_id = si->cgroup_id;
	e.netns_ino = si->netns_ino;
	e.sock_cookie = cookie;
	__builtin_memcpy(e.comm, si->comm, sizeof(e.comm));
	if (si->has_tuple) {
		e.family = si->family;
		__builtin_memcpy(e.laddr, si->laddr, 16);
		__builtin_memcpy(e.raddr, si->raddr, 16);
		e.lport = si->lport;
		e.rport = si->rport;
		if (si->v4_mapped)
			e.flags |= PT_F_V4_MAPPED;
	} else {
		pt_fill_tuple(&e, sk);
	}
	pt_submit(cfg, &e, sizeof(e), 0);
}

static __always_inline int pt_state_filter(const struct pt_config *cfg, const struct pt_sock_info *si)
{
	struct pt_who w = {};

	if (si->pid && si->pid == cfg->self_pid)
		return 0;
	w.pid = si->pid;
	w.cgroup_id = si->cgroup_id;
	w.cg_known = 1; /* softirq: the current task is not the socket's */
	w.cg_verdict = si->cg_verdict;
	w.netns_ino = si->netns_ino;
	__builtin_memcpy(w.comm, si->comm, sizeof(w.comm));
	if (pt_filter_pass(cfg, &w))
		return 1;
	pt_count_filtered();
	return 0;
}

static __always_inline void pt_save_tuple(struct pt_sock_info *si, struct sock *sk)
{
	struct pt_event t = {};
	pt_fill_tuple(&t, sk);
	si->family = t.family;
	__builtin_memcpy(si->laddr, t.laddr, 16);
	__builtin_memcpy(si->raddr, t.raddr, 16);
	si->lport = t.lport;
	si->rport = t.rport;
	si->v4_mapped = (t.flags & PT_F_V4_MAPPED) != 0;
	si->has_tuple = 1;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pt_state, struct sock *sk, int oldstate, int newstate)
{
	struct pt_config *cfg = pt_get_config();
	if (!cfg || !pt_sock_is_tcp(sk))
		return 0;
	__u64 cookie = bpf_get_socket_cookie(sk);

	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		/* connect(): runs in the connecting process; the source port is not chosen yet. */
		struct pt_sock_info si = {};
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		si.role = PT_ROLE_CLIENT;
		si.pid = pid_tgid >> 32;
		si.tid = (__u32)pid_tgid;
		si.uid = (__u32)bpf_get_current_uid_gid();
		si.cgroup_id = bpf_get_current_cgroup_id();
		si.netns_ino = pt_sock_netns(sk);
		bpf_get_current_comm(si.comm, sizeof(si.comm));
		if (cfg->filter_bits & PT_FILTER_CGROUPS)
			si.cg_verdict = pt_cgroup_verdict_current(si.cgroup_id);
		bpf_map_update_elem(&sock_info, &cookie, &si, BPF_ANY);
		if (pt_state_filter(cfg, &si))
			pt_state_event(cfg, &si, sk, cookie, PT_EV_CONNECT);
		return 0;
	}
	if (newstate == TCP_ESTABLISHED && (oldstate == TCP_SYN_SENT || oldstate == TCP_SYN_RECV)) {
		/* softirq: the current task is unrelated; keep the connecting process if we saw it. */
		struct pt_sock_info *si = bpf_map_lookup_elem(&sock_info, &cookie);
		struct pt_sock_info fresh = {};
		if (!si) {
			fresh.role = oldstate == TCP_SYN_SENT ? PT_ROLE_CLIENT : PT_ROLE_SERVER;
			fresh.netns_ino = pt_sock_netns(sk);
			bpf_map_update_elem(&sock_info, &cookie, &fresh, BPF_ANY);
			si = bpf_map_lookup_elem(&sock_info, &cookie);
			if (!si)
				return 0;
		}
		pt_save_tuple(si, sk);
		if (pt_state_filter(cfg, si))
			pt_state_event(cfg, si, sk, cookie, PT_EV_ESTABLISHED);
		return 0;
	}
	if (newstate == TCP_CLOSE) {
		/* The local port may read 0 now: use the tuple saved at ESTABLISHED. */
		struct pt_sock_info *si = bpf_map_lookup_elem(&sock_info, &cookie);
		if (!si)
			return 0;
		if (pt_state_filter(cfg, si))
			pt_state_event(cfg, si, sk, cookie, PT_EV_CLOSE);
		bpf_map_delete_elem(&sock_info, &cookie);
	}
	return 0;
}
#endif

/* Primary capture path (kernel >= 6.3): tp_btf/sock_send_length and sock_recv_length fire in the
 * calling process inside sock_sendmsg/sock_recvmsg; the user buffer comes from the syscall's
 * registers (bpf_task_pt_regs). Programs of this path are named pt_sock_*. */
#ifndef PROCTAP_CAPTURE_SOCK_BPF_H
#define PROCTAP_CAPTURE_SOCK_BPF_H
#include "common.bpf.h"
#include "capture_tls.bpf.h"

static __always_inline int pt_on_sock_io(struct sock *sk, int ret, int msg_flags, int is_send)
{
	if (ret <= 0)
		return 0;
	struct pt_config *cfg = pt_get_config();
	if (!cfg)
		return 0;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	/* sk is a trusted BTF pointer here: plain loads, no probe-read helper calls. */
	if (pid == cfg->self_pid || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	__u16 family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;

	struct pt_who w = {};
	w.pid = pid;
	w.netns_ino = sk->__sk_common.skc_net.net->ns.inum;
	w.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(w.comm, sizeof(w.comm));
	if (!pt_filter_pass(cfg, &w)) {
		pt_count_filtered();
		return 0;
	}

	struct pt_io_args io = {};
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	io.nr = regs->orig_ax;
	io.a0 = regs->di;
	io.a1 = regs->si;
	io.a2 = regs->dx;
	io.a3 = regs->r10;

	__u64 cookie = bpf_get_socket_cookie(sk);
	pt_tls_on_sock_io(cfg, sk, cookie, is_send); /* links SSL calls to this socket (capture_tls.bpf.h) */
	pt_emit_io(cfg, sk, cookie, &w, &io, is_send, (__u64)ret, (msg_flags & MSG_PEEK) != 0, PT_SRC_SOCK_TP, 1);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(pt_sock_send, struct sock *sk, int ret, int flags)
{
	return pt_on_sock_io(sk, ret, flags, 1);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(pt_sock_recv, struct sock *sk, int ret, int flags)
{
	return pt_on_sock_io(sk, ret, flags, 0);
}
#endif

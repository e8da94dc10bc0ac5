/* Fallback capture path for kernels without the 6.3 socket tracepoints: tp_btf/sys_enter saves
 * the arguments of the I/O syscalls we can read, sys_exit resolves fd -> socket through
 * task->files and emits. Runs on every syscall of every process, so it costs more than the
 * primary path. Programs of this path are named pt_sys_*. */
#ifndef PROCTAP_CAPTURE_SYSCALLS_BPF_H
#define PROCTAP_CAPTURE_SYSCALLS_BPF_H
#include "common.bpf.h"
#include "capture_tls.bpf.h"

struct pt_pending_io {
	struct pt_io_args io;
	__u8 filtered; /* decided at entry; counted at exit only if the fd is a TCP socket */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct pt_pending_io);
} pending_io SEC(".maps");

static __always_inline int pt_is_io_syscall(__u64 nr)
{
	return nr == NR_read || nr == NR_write || nr == NR_readv || nr == NR_writev || nr == NR_sendto ||
	       nr == NR_recvfrom || nr == NR_sendmsg || nr == NR_recvmsg;
}

static __always_inline int pt_is_send_syscall(__u64 nr)
{
	return nr == NR_write || nr == NR_writev || nr == NR_sendto || nr == NR_sendmsg;
}

static __always_inline struct sock *pt_fd_to_tcp_sock(__u64 fd)
{
	/* bpf_get_current_task (not _btf): this path serves older kernels too */
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return 0;
	if (fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return 0;
	__u16 mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return 0;
	struct socket *so = BPF_CORE_READ(f, private_data);
	struct sock *sk = BPF_CORE_READ(so, sk);
	return pt_sock_is_tcp(sk) ? sk : 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(pt_sys_enter, struct pt_regs *regs, long id)
{
	if (!pt_is_io_syscall(id))
		return 0;
	struct pt_config *cfg = pt_get_config();
	if (!cfg)
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((pid_tgid >> 32) == cfg->self_pid)
		return 0;

	struct pt_pending_io p = {};
	p.io.nr = id;
	p.io.a0 = BPF_CORE_READ(regs, di);
	p.io.a1 = BPF_CORE_READ(regs, si);
	p.io.a2 = BPF_CORE_READ(regs, dx);
	p.io.a3 = BPF_CORE_READ(regs, r10);
	if (cfg->filter_bits) {
		/* The socket is not known yet: filter on the task's network namespace. */
		struct pt_who w = {};
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		w.pid = pid_tgid >> 32;
		w.netns_ino = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
		w.cgroup_id = bpf_get_current_cgroup_id();
		bpf_get_current_comm(w.comm, sizeof(w.comm));
		p.filtered = !pt_filter_pass(cfg, &w);
	}
	bpf_map_update_elem(&pending_io, &pid_tgid, &p, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(pt_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 nr = BPF_CORE_READ(regs, orig_ax);
	if (!pt_is_io_syscall(nr))
		return 0;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pt_pending_io *pp = bpf_map_lookup_elem(&pending_io, &pid_tgid);
	if (!pp) {
		/* Count it if it moved TCP bytes: that operation is lost to us. */
		if (ret > 0) {
			struct pt_counters *c = pt_get_counters();
			if (c && pt_fd_to_tcp_sock(BPF_CORE_READ(regs, di)))
				__sync_fetch_and_add(&c->syscall_misses, 1);
		}
		return 0;
	}
	struct pt_pending_io p = *pp;
	bpf_map_delete_elem(&pending_io, &pid_tgid);
	if (ret <= 0 || p.io.nr != nr)
		return 0;
	struct pt_config *cfg = pt_get_config();
	if (!cfg)
		return 0;
	struct sock *sk = pt_fd_to_tcp_sock(p.io.a0);
	if (!sk)
		return 0;
	if (p.filtered) {
		pt_count_filtered();
		return 0;
	}

	struct pt_who w = {};
	w.pid = pid_tgid >> 32;
	w.netns_ino = pt_sock_netns(sk);
	w.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(w.comm, sizeof(w.comm));

	/* The socket is not a trusted pointer here, so bpf_get_socket_cookie cannot take it: read the
	 * cookie the state program assigned, else use the socket's address as its identity. */
	__u64 cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!cookie)
		cookie = (__u64)sk;
	int peek = 0;
	if (nr == NR_recvfrom)
		peek = (p.io.a3 & MSG_PEEK) != 0;
	pt_tls_on_sock_io(cfg, sk, cookie, pt_is_send_syscall(nr)); /* capture_tls.bpf.h */
	pt_emit_io(cfg, sk, cookie, &w, &p.io, pt_is_send_syscall(nr), (__u64)ret, peek, PT_SRC_SYSCALL, 0);
	return 0;
}
#endif

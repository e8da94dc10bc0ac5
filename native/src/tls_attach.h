// Hooks from the capture loader into the TLS probe family (tls_attach.cc): the loader tells when
// a BPF object with pt_tls_* programs is loaded and when it is about to go, so uprobe links made
// by JavaScript (TlsProbes) never outlive the object's maps.
#pragma once

struct bpf_object;

namespace proctap {
void TlsObjectOpened(bpf_object* obj);
void TlsObjectClosing(bpf_object* obj);
}  // namespace proctap

# proctap build. `make demo` and `make test` install and build whatever is missing first.
SHELL := /bin/bash
STAMP := .stamp
BPF_OUT := bpf/.output
VMLINUX := $(BPF_OUT)/vmlinux.h
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_HDRS := $(wildcard bpf/*.h)
BPF_OBJ := $(BPF_OUT)/sensor.bpf.o
BPF_SKEL := $(BPF_OUT)/sensor.skel.h
ADDON := native/build/Release/proctap.node
TS_SRCS := $(shell find src -name '*.ts' 2>/dev/null)
NATIVE_SRCS := $(wildcard native/src/*.cc native/src/*.h) native/CMakeLists.txt
BPF_CLANG_FLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wno-unused-function

.PHONY: all build deps bpf native ts test demo clean bench

all: build
build: deps bpf native ts

deps: $(STAMP)/apt node_modules/.package-lock.json

$(STAMP)/apt: scripts/install-deps.sh
	@mkdir -p $(STAMP)
	bash scripts/install-deps.sh
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json | $(STAMP)/apt
	npm ci --no-audit --no-fund
	@touch $@

$(VMLINUX): | $(STAMP)/apt
	@mkdir -p $(BPF_OUT)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BPF_OBJ): $(BPF_SRCS) $(BPF_HDRS) $(VMLINUX)
	clang $(BPF_CLANG_FLAGS) -I$(BPF_OUT) -Ibpf -c bpf/sensor.bpf.c -o $@

$(BPF_SKEL): $(BPF_OBJ)
	bpftool gen skeleton $< name sensor_bpf > $@.tmp && mv $@.tmp $@

bpf: $(BPF_SKEL)

# CMake globs native/src/*.cc at configure time: reconfigure when the set of files changes.
$(ADDON): $(BPF_SKEL) $(NATIVE_SRCS) node_modules/.package-lock.json
	@mkdir -p native/build && ls native/src/*.cc | sort > native/build/.sources.new
	@if ! cmp -s native/build/.sources.new native/build/.sources; then npx cmake-js configure -d native --log-level warn; fi
	npx cmake-js compile -d native --log-level warn
	@mkdir -p native/build && ls native/src/*.cc | sort > native/build/.sources

native: $(ADDON)

dist/.built: $(TS_SRCS) tsconfig.json node_modules/.package-lock.json
	npx tsc -p tsconfig.json
	@touch $@

ts: dist/.built

test: build
	npm test

demo: build
	node bin/proctap.js demo $(DEMO_ARGS)

bench: build
	@ls bench/*.ts bench/*.sh 2>/dev/null

clean:
	rm -rf dist native/build $(BPF_OUT) $(STAMP)

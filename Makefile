# copytroll-milter — build, test, install.
#
#   make            build lib/libcopytroll.a, milter/copytroll-milter, cli/copytroll
#   make deps       install the Debian packages the build and the tests need
#   make check      build and run every test under prove (installs what is missing)
#   make check-asan the unit tests and the corpus scan under ASan + UBSan
#   make demo       a private Postfix + the milter: send notices, show the result
#   make install    PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc
#
# OUT is a prefix for every built file: empty for the normal build,
# build-asan/ for the sanitizer build, so both can live side by side.

OUT       ?=
PREFIX    ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR   ?=
BINDIR     = $(PREFIX)/bin
SBINDIR    = $(PREFIX)/sbin
MANDIR     = $(PREFIX)/share/man
VERSION    = 0.1.0

CC        ?= cc
PKGS       = gmime-3.0 libpcre2-8 sqlite3 poppler-glib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# libmilter is linked statically so that --wrap=accept reaches its accept()
# calls (TCP_NODELAY on accepted connections, see milter/listen.h),
# --wrap=read its reads (TCP_QUICKACK after each, milter/listen.h),
# --wrap=mi_stop its stop checks (messages in flight finish after SIGTERM,
# see milter/stopdrain.h), and --wrap=sigwait its signal thread (a SIGHUP,
# which stops it, is logged: milter/hupnote.c).
MILTER_LIBS = -Wl,--wrap=accept -Wl,--wrap=read -Wl,--wrap=mi_stop -Wl,--wrap=sigwait -Wl,-Bstatic -lmilter -Wl,-Bdynamic
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

OPTFLAGS  ?= -O2 -g
EXTRA_CFLAGS ?=
CFLAGS_ALL = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
             -DCT_VERSION='"$(VERSION)"' -DCT_SYSCONFDIR='"$(SYSCONFDIR)"' \
             -Ilib $(PKG_CFLAGS) $(OPTFLAGS) $(EXTRA_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = -pthread $(EXTRA_CFLAGS) $(LDFLAGS)

LIB_SRC    = $(sort $(wildcard lib/*.c))
MILTER_SRC = $(sort $(wildcard milter/*.c))
CLI_SRC    = $(sort $(wildcard cli/*.c))
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))

LIB_OBJ    = $(LIB_SRC:%.c=$(OUT)%.o)
MILTER_OBJ = $(MILTER_SRC:%.c=$(OUT)%.o)
CLI_OBJ    = $(CLI_SRC:%.c=$(OUT)%.o)
UNIT_BIN   = $(UNIT_SRC:%.c=$(OUT)%)

LIBCT      = $(OUT)lib/libcopytroll.a
MILTER_BIN = $(OUT)milter/copytroll-milter
CLI_BIN    = $(OUT)cli/copytroll

.PHONY: all deps check check-unit check-asan demo install uninstall clean tests fuzz fuzz-build bench
all: $(LIBCT) $(MILTER_BIN) $(CLI_BIN)

$(OUT)%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(LIBCT): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(MILTER_BIN): $(MILTER_OBJ) $(LIBCT)
	$(CC) $(LDFLAGS_ALL) -o $@ $(MILTER_OBJ) $(LIBCT) $(MILTER_LIBS) $(PKG_LIBS)

$(CLI_BIN): $(CLI_OBJ) $(LIBCT)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(LIBCT) $(PKG_LIBS)

$(OUT)tests/unit/test_%: tests/unit/test_%.c $(LIBCT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP $(LDFLAGS_ALL) -o $@ $< $(LIBCT) $(PKG_LIBS) $(CMOCKA_LIBS)

# The milter's own modules that a unit test links (it stubs what they
# call in the rest of the milter).
$(OUT)tests/unit/test_session: tests/unit/test_session.c $(OUT)milter/session.o $(LIBCT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Imilter -MMD -MP $(LDFLAGS_ALL) -o $@ $< $(OUT)milter/session.o $(LIBCT) $(PKG_LIBS) $(CMOCKA_LIBS)

tests: $(UNIT_BIN)

-include $(LIB_OBJ:.o=.d) $(MILTER_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)

# ---------------------------------------------------------------- packages
DEB_PKGS = build-essential pkg-config libmilter-dev libgmime-3.0-dev \
           libpcre2-dev libsqlite3-dev libcmocka-dev libglib2.0-dev \
           libpoppler-glib-dev \
           postfix miltertest sqlite3 iproute2 util-linux perl clang \
           libclang-rt-14-dev groff man-db systemd sendmail-cf

deps:
	@sh tests/lib/install-deps.sh $(DEB_PKGS)

# ---------------------------------------------------------------- tests
# Every test is a TAP producer run by prove: the cmocka programs (TAP via
# CMOCKA_MESSAGE_OUTPUT) and the shell scripts under tests/*/*.t.
TEST_SCRIPTS = $(sort $(wildcard tests/*/*.t))

check: deps
	@$(MAKE) --no-print-directory all tests
	CT_BUILD=$(CURDIR)/$(OUT) CMOCKA_MESSAGE_OUTPUT=TAP \
	  prove --exec '' $(UNIT_BIN) $(TEST_SCRIPTS:%=./%)

# Quick loop for developers: unit tests only, no package check.
check-unit: all tests
	CMOCKA_MESSAGE_OUTPUT=TAP prove --exec '' $(UNIT_BIN)

ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
check-asan: deps
	@$(MAKE) --no-print-directory OUT=build-asan/ OPTFLAGS='-O1 -g' \
	  EXTRA_CFLAGS='$(ASAN_FLAGS)' all tests
	CT_BUILD=$(CURDIR)/build-asan/ CMOCKA_MESSAGE_OUTPUT=TAP \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  prove --exec '' $(patsubst %,build-asan/%,$(UNIT_SRC:%.c=%)) $(wildcard tests/corpus/*.t)
	@$(MAKE) --no-print-directory fuzz-build
	prove --exec '' ./tests/fuzz-smoke.t

# ---------------------------------------------------------------- fuzzing
# libFuzzer targets (clang): raw mail → verdict, rule files, config files.
#   make fuzz FUZZ_SECONDS=1800     run each target that long (default 600 s)
# Findings are written to build-fuzz/findings/.
FUZZ_TARGETS = scan rules config
FUZZ_SECONDS ?= 600
FUZZ_SAN = -fsanitize=address,undefined -fno-omit-frame-pointer
FUZZ_BINS = $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

fuzz-build:
	@$(MAKE) --no-print-directory CC=clang OUT=build-fuzz/ OPTFLAGS='-O1 -g' \
	  EXTRA_CFLAGS='$(FUZZ_SAN) -fsanitize=fuzzer-no-link' build-fuzz/lib/libcopytroll.a
	for t in $(FUZZ_TARGETS); do \
	  clang -std=c11 -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer \
	    -o build-fuzz/fuzz_$$t fuzz/fuzz_$$t.c build-fuzz/lib/libcopytroll.a $(PKG_LIBS) || exit 1; \
	done

fuzz: fuzz-build
	@sh tests/lib/fuzz-run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

demo: deps
	@$(MAKE) --no-print-directory all
	@CT_BUILD=$(CURDIR)/$(OUT) sh tests/lib/demo.sh

# ---------------------------------------------------------------- bench
# Speed measurements, not tests (bench/README.md): `make bench` builds the
# helpers; run bench/scan-bench and (root) bench/mta-bench by hand.
BENCH_BINS = $(OUT)bench/parse_only $(OUT)bench/noop-milter
bench: all $(BENCH_BINS)

$(OUT)bench/parse_only: bench/parse_only.c $(LIBCT)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBCT) $(PKG_LIBS)

$(OUT)bench/noop-milter: bench/noop-milter.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< -Wl,--wrap=accept -Wl,-Bstatic -lmilter -Wl,-Bdynamic

# ---------------------------------------------------------------- install
# Programs, man pages, the configuration as $(SYSCONFDIR)/copytroll/ (a file
# the administrator edited is never overwritten: the new version is written
# beside it as FILE.new, see build-aux/install-conf.sh), the systemd unit,
# sysusers.d and tmpfiles.d entries.  SYSCONFDIR is also compiled into the
# programs (the default -c): give the same value to `make` and `make install`.
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
DATADIR      = $(PREFIX)/share/copytroll
CONF_FILES   = copytroll-milter.conf $(patsubst conf/%,%,$(sort $(wildcard conf/rules.d/*.rules)))
MAN_PAGES    = man1/copytroll.1 man5/copytroll-milter.conf.5 man5/copytroll-rules.5 \
               man8/copytroll-milter.8

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 $(MILTER_BIN) $(DESTDIR)$(SBINDIR)/copytroll-milter
	install -m 0755 $(CLI_BIN) $(DESTDIR)$(BINDIR)/copytroll
	sh build-aux/install-conf.sh install conf $(DESTDIR)$(SYSCONFDIR)/copytroll \
	  $(DESTDIR)$(DATADIR)/conf.sha256 $(CONF_FILES)
	for m in $(MAN_PAGES); do \
	  install -d $(DESTDIR)$(MANDIR)/$$(dirname $$m) && \
	  install -m 0644 doc/$$(basename $$m) $(DESTDIR)$(MANDIR)/$$m || exit 1; done
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  systemd/copytroll-milter.service >$(DESTDIR)$(UNITDIR)/copytroll-milter.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/copytroll-milter.service
	install -m 0644 systemd/copytroll.sysusers $(DESTDIR)$(SYSUSERSDIR)/copytroll.conf
	install -m 0644 systemd/copytroll.tmpfiles $(DESTDIR)$(TMPFILESDIR)/copytroll.conf

# Removes what install put, except configuration files the administrator
# edited (named on stderr) and the data under /var/lib/copytroll.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/copytroll-milter $(DESTDIR)$(BINDIR)/copytroll
	for m in $(MAN_PAGES); do rm -f $(DESTDIR)$(MANDIR)/$$m; done
	rm -f $(DESTDIR)$(UNITDIR)/copytroll-milter.service \
	  $(DESTDIR)$(SYSUSERSDIR)/copytroll.conf $(DESTDIR)$(TMPFILESDIR)/copytroll.conf
	sh build-aux/install-conf.sh uninstall $(DESTDIR)$(SYSCONFDIR)/copytroll \
	  $(DESTDIR)$(DATADIR)/conf.sha256
	rmdir $(DESTDIR)$(SYSCONFDIR)/copytroll/rules.d $(DESTDIR)$(SYSCONFDIR)/copytroll \
	  $(DESTDIR)$(DATADIR) 2>/dev/null || true

clean:
	rm -rf build-asan build-fuzz lib/*.o lib/*.d lib/*.a milter/*.o milter/*.d cli/*.o cli/*.d \
	  $(MILTER_BIN) $(CLI_BIN) tests/unit/*.d $(UNIT_SRC:%.c=%) tests/tmp $(BENCH_BINS) bench/*.d

#ifndef PGS_CEDITLINE_SHIM_H
#define PGS_CEDITLINE_SHIM_H

// Swift cannot call C variadic functions (el_set, el_get, history) nor read the
// stdio globals in Swift 6 mode, so each use the line editor needs gets a small
// fixed-signature wrapper here. Every helper is static inline and keeps no state
// of its own: a header compiled into several object files must not hold globals.

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>
#include <histedit.h>

// MARK: - Standard streams

static inline FILE *pgs_stdin(void) { return stdin; }
static inline FILE *pgs_stdout(void) { return stdout; }
static inline FILE *pgs_stderr(void) { return stderr; }

/// Width of the terminal on `fd` in columns, or 0 when it is not a terminal.
static inline int pgs_terminal_columns(int fd) {
  struct winsize size;
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
  return (int)size.ws_col;
}

// MARK: - el_set / el_get wrappers

typedef char *(*pgs_prompt_fn)(EditLine *);
typedef unsigned char (*pgs_command_fn)(EditLine *, int);

static inline int pgs_el_set_prompt(EditLine *el, pgs_prompt_fn fn) {
  return el_set(el, EL_PROMPT, fn);
}

static inline int pgs_el_set_editor(EditLine *el, const char *mode) {
  return el_set(el, EL_EDITOR, mode);
}

static inline int pgs_el_set_clientdata(EditLine *el, void *data) {
  return el_set(el, EL_CLIENTDATA, data);
}

static inline void *pgs_el_clientdata(EditLine *el) {
  void *data = NULL;
  if (el_get(el, EL_CLIENTDATA, &data) != 0) return NULL;
  return data;
}

static inline int pgs_el_set_history(EditLine *el, History *h) {
  return el_set(el, EL_HIST, history, h);
}

static inline int pgs_el_bind(EditLine *el, const char *key, const char *command) {
  return el_set(el, EL_BIND, key, command, (const char *)NULL);
}

static inline int pgs_el_add_function(
    EditLine *el, const char *name, const char *help, pgs_command_fn fn) {
  return el_set(el, EL_ADDFN, name, help, fn);
}

// MARK: - Interruptible reads

/// Reads one character for libedit like its built-in reader, except that a
/// read interrupted by a signal (EINTR) ends the line at once instead of being
/// retried, so el_gets returns NULL with count -1 and errno EINTR.
static inline int pgs_read_interruptible_char(EditLine *el, wchar_t *out) {
  FILE *input = NULL;
  if (el_get(el, EL_GETFP, 0, &input) != 0 || input == NULL) input = stdin;
  int fd = fileno(input);
  char bytes[MB_LEN_MAX];
  size_t count = 0;
  for (;;) {
    ssize_t n = read(fd, bytes + count, 1);
    if (n < 0) {
      *out = L'\0';
      return -1;  // errno is EINTR after a signal
    }
    if (n == 0) {
      *out = L'\0';
      return 0;
    }
    count += 1;
    mbstate_t state;
    memset(&state, 0, sizeof state);
    size_t decoded = mbrtowc(out, bytes, count, &state);
    if (decoded == (size_t)-2) {
      if (count < MB_LEN_MAX) continue;  // incomplete sequence: read on
      count = 0;                         // overlong: drop it
    } else if (decoded == (size_t)-1) {
      // Invalid sequence: drop it, but keep a trailing byte that may start a new one.
      if (count > 1) {
        bytes[0] = bytes[count - 1];
        count = 1;
        memset(&state, 0, sizeof state);
        decoded = mbrtowc(out, bytes, count, &state);
        if (decoded != (size_t)-1 && decoded != (size_t)-2) return 1;
        if (decoded == (size_t)-1) count = 0;
      } else {
        count = 0;
      }
    } else {
      return 1;
    }
  }
}

static inline int pgs_el_use_interruptible_reads(EditLine *el) {
  return el_set(el, EL_GETCFN, pgs_read_interruptible_char);
}

// MARK: - history() wrappers

static inline int pgs_history_set_size(History *h, int size) {
  HistEvent event;
  return history(h, &event, H_SETSIZE, size);
}

static inline int pgs_history_set_unique(History *h, int unique) {
  HistEvent event;
  return history(h, &event, H_SETUNIQUE, unique);
}

static inline int pgs_history_enter(History *h, const char *line) {
  HistEvent event;
  return history(h, &event, H_ENTER, line);
}

static inline int pgs_history_clear(History *h) {
  HistEvent event;
  return history(h, &event, H_CLEAR);
}

// MARK: - Atomics for signal handlers

// Lock-free and async-signal-safe on every platform Swift targets.
static inline int pgs_atomic_load(int *value) {
  return __atomic_load_n(value, __ATOMIC_SEQ_CST);
}

static inline void pgs_atomic_store(int *value, int desired) {
  __atomic_store_n(value, desired, __ATOMIC_SEQ_CST);
}

static inline int pgs_atomic_exchange(int *value, int desired) {
  return __atomic_exchange_n(value, desired, __ATOMIC_SEQ_CST);
}

/// Adds `amount` and returns the new value.
static inline int pgs_atomic_add(int *value, int amount) {
  return __atomic_add_fetch(value, amount, __ATOMIC_SEQ_CST);
}

static inline long pgs_atomic_load_long(long *value) {
  return __atomic_load_n(value, __ATOMIC_SEQ_CST);
}

static inline void pgs_atomic_store_long(long *value, long desired) {
  __atomic_store_n(value, desired, __ATOMIC_SEQ_CST);
}

#endif

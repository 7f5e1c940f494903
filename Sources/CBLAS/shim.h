// The engine's C surface: OpenBLAS's CBLAS and openblas_set_num_threads, and glibc's mallopt
// (to keep large tensor buffers in the heap between steps).
#include <cblas.h>

// OpenBLAS's own: stops its worker threads (they are started again by the next threaded call).
// Its fork handler uses it; the engine calls it so that idle workers never spin beside its own
// threads.
void blas_thread_shutdown_(void);
#if defined(__linux__)
#include <malloc.h>
#endif

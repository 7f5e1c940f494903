// The engine's C surface: OpenBLAS's CBLAS and openblas_set_num_threads, and glibc's mallopt
// (to keep large tensor buffers in the heap between steps).
#include <cblas.h>
#if defined(__linux__)
#include <malloc.h>
#endif

#if canImport(Glibc)
  import Glibc
#else
  import Darwin
#endif

typealias CFile = UnsafeMutablePointer<FILE>

func fopenRead(_ path: String) -> CFile? { fopen(path, "rb") }
func fcloseFile(_ f: CFile) { fclose(f) }

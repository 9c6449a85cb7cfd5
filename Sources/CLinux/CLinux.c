// Empty: the target exists to export include/CLinux.h.

/* pv-rings with the 32-bit library (protected mode, paging off), as GRUB runs. */
#include "../pv-rings/main.c"

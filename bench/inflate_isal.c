// Inflates gzip objects whole from memory with libdeflate (the build vpcflow uses) and with ISA-L, on one core,
// to see whether another inflater would speed up queries over gzip'd text (BENCHMARKS.md, "Query engine").
//
//   apt-get install libisal-dev
//   LD=$(ls -d ~/.cargo/registry/src/*/libdeflate-sys-1.26.1/libdeflate)
//   gcc -O2 -I$LD bench/inflate_isal.c $LD/lib/*.c $LD/lib/x86/*.c -lisal -o /tmp/inflate_isal
//   /tmp/inflate_isal $(find /tmp/vpcflow-bench/text -name '*.gz' | head -100)
#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "libdeflate.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int n = argc - 1;
    unsigned char **in = malloc(n * sizeof *in);
    size_t *len = malloc(n * sizeof *len);
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(argv[i + 1], "rb");
        if (!f) {
            perror(argv[i + 1]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        len[i] = ftell(f);
        fseek(f, 0, SEEK_SET);
        in[i] = malloc(len[i]);
        if (fread(in[i], 1, len[i], f) != len[i]) {
            perror(argv[i + 1]);
            return 1;
        }
        fclose(f);
    }
    // One output buffer, touched first so that page faults are not timed.
    size_t cap = (size_t)64 << 20;
    unsigned char *out = calloc(cap, 1);
    for (size_t i = 0; i < cap; i += 4096) out[i] = 1;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    for (int round = 0; round < 3; round++) {
        size_t text_a = 0, text_b = 0;
        double t = now();
        for (int i = 0; i < n; i++) {
            size_t got;
            if (libdeflate_gzip_decompress(d, in[i], len[i], out, cap, &got) != LIBDEFLATE_SUCCESS) {
                fprintf(stderr, "libdeflate refused %s\n", argv[i + 1]);
                return 1;
            }
            text_a += got;
        }
        double a = now() - t;
        t = now();
        for (int i = 0; i < n; i++) {
            struct inflate_state s;
            isal_inflate_init(&s);
            s.crc_flag = ISAL_GZIP;
            s.next_in = in[i];
            s.avail_in = len[i];
            s.next_out = out;
            s.avail_out = cap;
            if (isal_inflate(&s) != ISAL_DECOMP_OK || s.block_state != ISAL_BLOCK_FINISH) {
                fprintf(stderr, "ISA-L refused %s\n", argv[i + 1]);
                return 1;
            }
            text_b += s.total_out;
        }
        double b = now() - t;
        printf("libdeflate %.3f s (%.0f MB/s)   ISA-L %.3f s (%.0f MB/s)   text %zu / %zu bytes\n", a,
               text_a / a / 1e6, b, text_b / b / 1e6, text_a, text_b);
    }
    return 0;
}

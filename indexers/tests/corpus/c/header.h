#ifndef BUFFER_H
#define BUFFER_H

#include <stddef.h>

/* A growable byte buffer. */
struct buffer;

int buffer_append(struct buffer *b, const char *src, size_t n);

static inline size_t buffer_round(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

union value {
    int i;
    double d;
};

#endif

/* A growable byte buffer (chunker fixture). */
#include <stdlib.h>
#include <string.h>

#define INITIAL_CAPACITY 16

struct buffer {
    char *data;
    size_t len;
    size_t cap;
};

typedef struct buffer buffer_t;

enum mode { MODE_READ, MODE_WRITE };

typedef struct {
    int x;
    int y;
} point_t;

static int grow(struct buffer *b, size_t need)
{
    size_t cap = b->cap ? b->cap : INITIAL_CAPACITY;
    while (cap < need)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data)
        return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

/* Appends bytes to the buffer. */
int buffer_append(struct buffer *b, const char *src, size_t n)
{
    if (grow(b, b->len + n) != 0)
        return -1;
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

char *buffer_steal(struct buffer *b)
{
    char *data = b->data;
    b->data = NULL;
    return data;
}

int main(void)
{
    struct buffer b = {0};
    buffer_append(&b, "hi", 2);
    free(buffer_steal(&b));
    return 0;
}

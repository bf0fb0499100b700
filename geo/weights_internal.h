/*
 * geo/weights_internal.h — helpers shared by the weights_*.c files only.
 */
#ifndef VSP_GEO_WEIGHTS_INTERNAL_H
#define VSP_GEO_WEIGHTS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* one-line message into err (if any), printf style */
void		weights_int_err(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
/* sort a row of neighbour indices ascending */
void		weights_int_sort_row(uint32_t *r, size_t len);
int			weights_int_cmp_u64(const void *a, const void *b);

#endif

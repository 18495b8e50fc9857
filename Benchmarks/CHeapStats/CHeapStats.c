#include <malloc.h>
#include "CHeapStats.h"

size_t rtc_heap_in_use(void) {
    return mallinfo2().uordblks;
}

#include <stdio.h>

#ifdef BREAK
#error "broken on purpose"
#endif

int main(void)
{
	printf("hello\n");
	return 0;
}

/* pimstream-full: PLplot and OpenMPI linked in, so every command runs here
 * (delegate.c says why the lean pimstream hands some to it). */
#include "cli.h"

int cli_delegate(int argc, char **argv)
{
    (void)argc, (void)argv;
    return -1;
}

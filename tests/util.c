/* pimstream tests: helpers. */
#include "test.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int pim_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

int pim_test_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int pim_test_cli(const pim_t *t, const char *args, char *err_line, size_t cap)
{
    char errpath[256], cmd[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", t->tmp);
    snprintf(cmd, sizeof cmd, "%s %s >%s/stdout.txt 2>%s", t->cli, args, t->tmp, errpath);
    int rc = system(cmd);
    if (err_line && cap) {
        err_line[0] = '\0';
        FILE *f = fopen(errpath, "r");
        if (f) {
            if (fgets(err_line, (int)cap, f))
                err_line[strcspn(err_line, "\n")] = '\0';
            fclose(f);
        }
    }
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

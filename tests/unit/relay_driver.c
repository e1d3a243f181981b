/* Stand-alone driver for `badmac relay` until the CLI dispatches to it:
 * gcc ... tests/unit/relay_driver.c build/libbadmac.a -o /tmp/relay */
#include "relay/relay.h"

int main(int argc, char **argv)
{
    return bm_relay_main(argc, argv);
}

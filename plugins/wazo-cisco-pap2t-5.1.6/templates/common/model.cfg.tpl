{#- The first file a factory-new (or reset) ATA asks for, over TFTP from
    the DHCP option 66 server (spa<model>.cfg, init.cfg for the PAP2T). It
    points the ATA's profile rules at provd over HTTP: rule B for the
    defaults shared by all ATAs, rule C for the ATA's own profile ($MA: its
    MAC, lowercase). Resync_From_SIP lets provd's check-sync NOTIFY trigger
    a resync. -#}
<?xml version="1.0"?>
<flat-profile>
<Provision_Enable>Yes</Provision_Enable>
<Resync_On_Reset>Yes</Resync_On_Reset>
<Resync_From_SIP>Yes</Resync_From_SIP>
<Profile_Rule_B>{{ XX_server_url|e }}/spa-ata.xml</Profile_Rule_B>
<Profile_Rule_C>{{ XX_server_url|e }}/$MA.xml</Profile_Rule_C>
</flat-profile>

{#- ata<model>.cfg (ata191.cfg, ata192.cfg): the first profile a
    factory-new (or reset) ATA fetches from the DHCP option 66 server.
    Rule A keeps this file, rule B the defaults shared by the plugin's
    ATAs (with the MAC as an argument, which tells provd who asks), rule C
    the ATA's own profile ($MA: its MAC, lowercase). Resync_From_SIP lets
    provd's check-sync NOTIFY trigger a resync. -#}
<?xml version="1.0" encoding="UTF-8"?>
<flat-profile>
<Provision_Enable ua="na">Yes</Provision_Enable>
<Resync_On_Reset ua="na">Yes</Resync_On_Reset>
<Resync_From_SIP ua="na">Yes</Resync_From_SIP>
<Resync_Periodic ua="na">3600</Resync_Periodic>
<Profile_Rule ua="na">{{ XX_server_url|e }}/ata$PSN.cfg</Profile_Rule>
<Profile_Rule_B ua="na">{{ XX_server_url|e }}/spa-ata.xml?mac=$MA</Profile_Rule_B>
<Profile_Rule_C ua="na">{{ XX_server_url|e }}/$MA.xml</Profile_Rule_C>
</flat-profile>

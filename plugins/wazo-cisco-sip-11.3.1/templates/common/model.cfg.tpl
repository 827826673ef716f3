{#- <model>-3PCC.xml: the first profile a factory-new (or reset)
    multiplatform phone fetches from the DHCP option 66/150 server. It
    points the profile rules at provd over HTTP: rule B for the defaults
    shared by the plugin's phones, rule C for the phone's own profile ($MA:
    its MAC, lowercase). Resync_From_SIP lets provd's check-sync NOTIFY
    trigger a resync. -#}
<?xml version="1.0" encoding="UTF-8"?>
<flat-profile>
<Provision_Enable ua="na">Yes</Provision_Enable>
<Resync_On_Reset ua="na">Yes</Resync_On_Reset>
<Resync_From_SIP ua="na">Yes</Resync_From_SIP>
<Profile_Rule_B ua="na">{{ XX_server_url|e }}/cp-phone.xml</Profile_Rule_B>
<Profile_Rule_C ua="na">{{ XX_server_url|e }}/$MA.xml</Profile_Rule_C>
</flat-profile>

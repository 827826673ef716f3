{#- Settings shared by every phone of the plugin (provd renders it once per
    plugin, from the base configuration). Per-device values live in
    <mac>-user.cfg, which the master file lists first. -#}
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<polycomConfig
dialplan.digitmap="[0-9*#].T"
dialplan.digitmap.timeOut="3"
lcl.datetime.time.24HourClock="1"
up.oneTouchVoiceMail="1"
up.mwiVisible="1"
feature.enhancedFeatureKeys.enabled="1"
voIpProt.SIP.alertInfo.1.value="xivo-autoanswer"
voIpProt.SIP.alertInfo.1.class="autoAnswer"
voice.volume.persist.handset="1"
voice.volume.persist.headset="1"
voice.volume.persist.handsfree="1"
{#- UC Software 6 serves the push API (the Wazo switchboard) over HTTPS
    only unless told otherwise. #}
apps.push.secureTunnelRequired="0"
httpd.cfg.secureTunnelRequired="0"
/>

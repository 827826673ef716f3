{#- Settings shared by every phone of the plugin (provd renders it once per
    plugin, from the base configuration), over Polycom's sip.cfg defaults. -#}
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<config
dialplan.digitmap="[0-9*#].T"
dialplan.digitmap.timeOut="3"
lcl.datetime.time.24HourClock="1"
up.oneTouchVoiceMail="1"
voIpProt.SIP.alertInfo.1.value="xivo-autoanswer"
voIpProt.SIP.alertInfo.1.class="autoAnswer"
/>

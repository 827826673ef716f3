{#- snom<model>.xml: where phones of the model learn which firmware to run. -#}
<?xml version="1.0" encoding="utf-8"?>
<settings>
  <phone-settings>
    <firmware_status perm="R">{{ XX_server_url|e }}/snom{{ XX_model }}-firmware.xml</firmware_status>
  </phone-settings>
</settings>

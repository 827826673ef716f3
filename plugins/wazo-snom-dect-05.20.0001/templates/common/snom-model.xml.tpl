{#- snom<model>.xml: where bases of the model learn which firmware to run. -#}
<?xml version="1.0" encoding="utf-8"?>
<firmware-settings>
  <firmware-status>{{ XX_server_url|e }}/snom{{ XX_model }}-firmware.xml</firmware-status>
</firmware-settings>

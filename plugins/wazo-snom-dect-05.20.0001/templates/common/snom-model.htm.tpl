{#- snom<model>.htm: the setting files every base of a model reads first. -#}
<?xml version="1.0" encoding="utf-8"?>
<setting-files>
  <file url="{{ XX_server_url|e }}/snom-general.xml"/>
  <file url="{{ XX_server_url|e }}/snom{{ XX_model }}.xml"/>
</setting-files>

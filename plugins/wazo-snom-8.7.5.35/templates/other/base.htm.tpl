{#- snom<model>-<MAC>.htm: the setting files of one phone. The phone reads
    it after snom<model>.htm, so the device's own settings come last. -#}
<?xml version="1.0" encoding="utf-8"?>
<setting-files>
  <file url="{{ XX_server_url|e }}/{{ XX_xml_filename|e }}"/>
</setting-files>

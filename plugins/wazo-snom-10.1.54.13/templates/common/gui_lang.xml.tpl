{#- The phone display languages offered, with the files the language
    packages install under i18n/. The names match plugin-info "locales". -#}
<?xml version="1.0" encoding="utf-8"?>
<gui-languages>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_DE.xml" name="Deutsch"/>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_EN.xml" name="English"/>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_UK.xml" name="English(UK)"/>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_SP.xml" name="Espanol"/>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_FR.xml" name="Français"/>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_IT.xml" name="Italiano"/>
  <language url="{{ XX_server_url|e }}/i18n/gui_lang_NL.xml" name="Nederlands"/>
</gui-languages>

{#- The master file every phone reads first (provd renders it once per
    plugin). sip.cfg and phone1.cfg are Polycom's own files of the SIP
    application, installed with it by the firmware package: they hold the
    defaults, so they come last. -#}
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="[PHONE_MAC_ADDRESS]-user.cfg, common.cfg, phone1.cfg, sip.cfg" MISC_FILES="" LOG_FILE_DIRECTORY="" OVERRIDES_DIRECTORY="" CONTACTS_DIRECTORY=""/>

{#- The master file every phone reads first (provd renders it once per
    plugin). The application image: sip.ld, which the phones look up under
    their part number (<part>.sip.ld) as the firmware package installs it;
    then the configuration files, earlier ones winning. -#}
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="[PHONE_MAC_ADDRESS]-user.cfg, common.cfg" MISC_FILES="" LOG_FILE_DIRECTORY="" OVERRIDES_DIRECTORY="" CONTACTS_DIRECTORY="">
<APPLICATION_VVX1500 BOOTBLOCK_FILE_PATH_VVX1500="bootblock.ld"/>
</APPLICATION>

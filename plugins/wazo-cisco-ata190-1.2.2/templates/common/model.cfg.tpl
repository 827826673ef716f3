{#- dialplan.xml, the dial template every ATA190 port uses: whatever is
    dialed is sent after 3 seconds without a new digit. -#}
<?xml version="1.0" encoding="UTF-8"?>
<DIALTEMPLATE>
<TEMPLATE MATCH="*" Timeout="3"/>
</DIALTEMPLATE>

{% extends 'sysconf.tpl' %}
